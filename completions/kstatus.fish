# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kstatus_global_optspecs
    string join \n kubeconfig= context= cluster= user= n/namespace= request-timeout= color= v/verbose h/help V/version
end

function __fish_kstatus_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kstatus_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kstatus_using_subcommand
    set -l cmd (__fish_kstatus_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kstatus -n "__fish_kstatus_needs_command" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kstatus -n "__fish_kstatus_needs_command" -l context -d 'The kubeconfig context to use' -r
complete -c kstatus -n "__fish_kstatus_needs_command" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kstatus -n "__fish_kstatus_needs_command" -l user -d 'The kubeconfig user to use' -r
complete -c kstatus -n "__fish_kstatus_needs_command" -s n -l namespace -d 'Namespace for namespaced objects that do not name one (default: from the context)' -r
complete -c kstatus -n "__fish_kstatus_needs_command" -l request-timeout -d 'How long to wait for a single API response (e.g. 30s; 0 = no limit; watches excluded)' -r
complete -c kstatus -n "__fish_kstatus_needs_command" -l color -d 'When to use colour on the terminal (NO_COLOR, CLICOLOR_FORCE and TERM=dumb are honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kstatus -n "__fish_kstatus_needs_command" -s v -l verbose -d 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)'
complete -c kstatus -n "__fish_kstatus_needs_command" -s h -l help -d 'Print help'
complete -c kstatus -n "__fish_kstatus_needs_command" -s V -l version -d 'Print version'
complete -c kstatus -n "__fish_kstatus_needs_command" -f -a "apply" -d 'Server-side apply manifests, then track every object and its children to a verdict'
complete -c kstatus -n "__fish_kstatus_needs_command" -f -a "diff" -d 'Show what `apply` would change: a server-side dry-run apply of each object compared with the live object, as unified YAML diffs'
complete -c kstatus -n "__fish_kstatus_needs_command" -f -a "watch" -d 'Show the live status of a labelled application (or of the objects named in manifests)'
complete -c kstatus -n "__fish_kstatus_needs_command" -f -a "generate" -d 'Write shell completions or man pages (used to refresh completions/ and man/)'
complete -c kstatus -n "__fish_kstatus_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -s f -l filename -d 'Manifest file, directory, or - for stdin (repeatable)' -r -F
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -l field-manager -d 'Field manager name for server-side apply' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -l adopt -d 'Take over the fields this field manager owns, e.g. those of an earlier `kubectl apply` (repeatable; giving it replaces the default list; `none`: adopt nothing)' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -l dry-run -d '`server`: have the server validate the objects without persisting them; no tracking' -r -f -a "none\t''
server\t''"
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -l timeout -d 'Give up after this long; objects still in progress become Timed out (0 = no limit)' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -l stabilization -d 'How long a settled state must hold before it is the verdict (0 = the first settled state)' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -l health-rules -d 'CEL health rules for kinds, in the shape of Flux\'s healthCheckExprs (repeatable; they win over built-in rules; default: .kstatus/health.yaml when present)' -r -F
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -l wait-for-jobs -d 'Count a Job as successful only once it completes (`--wait-for-jobs=false`: once created)' -r -f -a "true\t''
false\t''"
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -l redact -d 'Extra value to redact from everything kstatus prints (repeatable; the environment variable holds one value, commas included)' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -l applyset -d 'The ApplySet (KEP-3659) the objects belong to: its parent Secret NAME in the namespace (`secrets/NAME` or `configmaps/NAME`); without --prune, only labels and records the set' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -s o -l output -d 'Format of the final report on stdout' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -l progress -d 'Progress on stderr: a live view on a terminal, or append-only timestamped lines' -r -f -a "auto\t'Live view when stderr is a terminal, plain lines otherwise'
plain\t'Append-only timestamped lines'
none\t'No progress output'"
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -l junit -d 'Also write a JUnit XML report (one test case per object) to this file' -r -F
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -l events -d 'Stream one JSON object per status change: `ndjson` on stdout (the final table then goes to stderr) or `ndjson=FILE`' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -l fingerprint-salt -d 'Salt of the Secret fingerprints, so they compare across runs and stored reports (default: random per run). It is never printed' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -l context -d 'The kubeconfig context to use' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -l user -d 'The kubeconfig user to use' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -s n -l namespace -d 'Namespace for namespaced objects that do not name one (default: from the context)' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -l request-timeout -d 'How long to wait for a single API response (e.g. 30s; 0 = no limit; watches excluded)' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -l color -d 'When to use colour on the terminal (NO_COLOR, CLICOLOR_FORCE and TERM=dumb are honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -s R -l recursive -d 'Recurse into subdirectories of directories given with -f'
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -l steps -d 'Apply each -f as one step, in order: a step is applied only once the previous one reached Success; an Error or the timeout ends the run'
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -l force-conflicts -d 'Take ownership of fields another field manager owns instead of failing with a conflict'
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -l logs -d 'Follow the logs of tracked pods (current revision) while they are not Ready or are failing; plain lines `Pod/NAME CONTAINER | line`, the last few under the live table'
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -l prune -d 'After the verdict is Success, delete the objects of the --applyset set that the manifests no longer hold'
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -l prune-before-verdict -d 'With --prune: delete the dropped objects right after the apply, while tracking, instead of after a Success verdict'
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -s v -l verbose -d 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)'
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kstatus -n "__fish_kstatus_using_subcommand apply" -s V -l version -d 'Print version'
complete -c kstatus -n "__fish_kstatus_using_subcommand diff" -s f -l filename -d 'Manifest file, directory, or - for stdin (repeatable)' -r -F
complete -c kstatus -n "__fish_kstatus_using_subcommand diff" -l field-manager -d 'Field manager name for server-side apply' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand diff" -l adopt -d 'Take over the fields this field manager owns, e.g. those of an earlier `kubectl apply` (repeatable; giving it replaces the default list; `none`: adopt nothing)' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand diff" -l redact -d 'Extra value to redact from everything kstatus prints (repeatable; the environment variable holds one value, commas included)' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand diff" -l applyset -d 'Compare as `apply --applyset NAME` applies: every object labelled as part of the set' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand diff" -s o -l output -d '`table`: unified diffs and a summary; `json`/`yaml`: the kstatus.dev/diff/v1 document' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kstatus -n "__fish_kstatus_using_subcommand diff" -l fingerprint-salt -d 'Salt of the Secret fingerprints, so they compare across runs (default: random per run). It is never printed' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand diff" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kstatus -n "__fish_kstatus_using_subcommand diff" -l context -d 'The kubeconfig context to use' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand diff" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand diff" -l user -d 'The kubeconfig user to use' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand diff" -s n -l namespace -d 'Namespace for namespaced objects that do not name one (default: from the context)' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand diff" -l request-timeout -d 'How long to wait for a single API response (e.g. 30s; 0 = no limit; watches excluded)' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand diff" -l color -d 'When to use colour on the terminal (NO_COLOR, CLICOLOR_FORCE and TERM=dumb are honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kstatus -n "__fish_kstatus_using_subcommand diff" -s R -l recursive -d 'Recurse into subdirectories of directories given with -f'
complete -c kstatus -n "__fish_kstatus_using_subcommand diff" -l force-conflicts -d 'Take ownership of fields another field manager owns instead of failing with a conflict'
complete -c kstatus -n "__fish_kstatus_using_subcommand diff" -s v -l verbose -d 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)'
complete -c kstatus -n "__fish_kstatus_using_subcommand diff" -s h -l help -d 'Print help'
complete -c kstatus -n "__fish_kstatus_using_subcommand diff" -s V -l version -d 'Print version'
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -s l -l selector -d 'Label selector, e.g. app=shop (required unless -f or --by is given)' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -l by -d 'Dashboard: group the objects carrying this label by its value and namespace, one row per application, e.g. app.kubernetes.io/instance' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -s f -l filename -d 'Watch the objects named in these manifests without applying them (repeatable)' -r -F
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -l kind -d 'Additional kinds to watch, e.g. certificates.cert-manager.io (repeatable)' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -l redact -d 'Extra value to redact from everything kstatus prints (repeatable; the environment variable holds one value, commas included)' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -l until -d 'Wait until the application reaches this state, then exit like `apply`' -r -f -a "success\t'Every object is in Success'
settled\t'The application is stable in Success or in Error'"
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -l timeout -d 'Give up after this long; objects still in progress become Timed out (0 = no limit)' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -l stabilization -d 'How long a settled state must hold before it is the verdict (0 = the first settled state)' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -l health-rules -d 'CEL health rules for kinds, in the shape of Flux\'s healthCheckExprs (repeatable; they win over built-in rules; default: .kstatus/health.yaml when present)' -r -F
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -s o -l output -d 'Format of the final report on stdout' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -l progress -d 'Progress on stderr: a live view on a terminal, or append-only timestamped lines' -r -f -a "auto\t'Live view when stderr is a terminal, plain lines otherwise'
plain\t'Append-only timestamped lines'
none\t'No progress output'"
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -l junit -d 'Also write a JUnit XML report (one test case per object) to this file' -r -F
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -l events -d 'Stream one JSON object per status change: `ndjson` on stdout (the final table then goes to stderr) or `ndjson=FILE`' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -l fingerprint-salt -d 'Salt of the Secret fingerprints, so they compare across runs and stored reports (default: random per run). It is never printed' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -l context -d 'The kubeconfig context to use' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -l user -d 'The kubeconfig user to use' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -s n -l namespace -d 'Namespace for namespaced objects that do not name one (default: from the context)' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -l request-timeout -d 'How long to wait for a single API response (e.g. 30s; 0 = no limit; watches excluded)' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -l color -d 'When to use colour on the terminal (NO_COLOR, CLICOLOR_FORCE and TERM=dumb are honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -s R -l recursive -d 'Recurse into subdirectories of directories given with -f'
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -s A -l all-namespaces -d 'Watch every namespace'
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -l once -d 'Print one snapshot and exit with the application status (0 Success, 1 Error, 3 In progress)'
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -l logs -d 'Follow the logs of tracked pods (current revision) while they are not Ready or are failing; plain lines `Pod/NAME CONTAINER | line`, the last few under the live table'
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -s v -l verbose -d 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)'
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kstatus -n "__fish_kstatus_using_subcommand watch" -s V -l version -d 'Print version'
complete -c kstatus -n "__fish_kstatus_using_subcommand generate" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kstatus -n "__fish_kstatus_using_subcommand generate" -l context -d 'The kubeconfig context to use' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand generate" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand generate" -l user -d 'The kubeconfig user to use' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand generate" -s n -l namespace -d 'Namespace for namespaced objects that do not name one (default: from the context)' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand generate" -l request-timeout -d 'How long to wait for a single API response (e.g. 30s; 0 = no limit; watches excluded)' -r
complete -c kstatus -n "__fish_kstatus_using_subcommand generate" -l color -d 'When to use colour on the terminal (NO_COLOR, CLICOLOR_FORCE and TERM=dumb are honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kstatus -n "__fish_kstatus_using_subcommand generate" -s v -l verbose -d 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)'
complete -c kstatus -n "__fish_kstatus_using_subcommand generate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kstatus -n "__fish_kstatus_using_subcommand generate" -s V -l version -d 'Print version'
complete -c kstatus -n "__fish_kstatus_using_subcommand help; and not __fish_seen_subcommand_from apply diff watch generate help" -f -a "apply" -d 'Server-side apply manifests, then track every object and its children to a verdict'
complete -c kstatus -n "__fish_kstatus_using_subcommand help; and not __fish_seen_subcommand_from apply diff watch generate help" -f -a "diff" -d 'Show what `apply` would change: a server-side dry-run apply of each object compared with the live object, as unified YAML diffs'
complete -c kstatus -n "__fish_kstatus_using_subcommand help; and not __fish_seen_subcommand_from apply diff watch generate help" -f -a "watch" -d 'Show the live status of a labelled application (or of the objects named in manifests)'
complete -c kstatus -n "__fish_kstatus_using_subcommand help; and not __fish_seen_subcommand_from apply diff watch generate help" -f -a "generate" -d 'Write shell completions or man pages (used to refresh completions/ and man/)'
complete -c kstatus -n "__fish_kstatus_using_subcommand help; and not __fish_seen_subcommand_from apply diff watch generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
