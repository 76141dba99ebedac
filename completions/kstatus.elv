
use builtin;
use str;

set edit:completion:arg-completer[kstatus] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'kstatus'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'kstatus'= {
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use'
            cand --cluster 'The kubeconfig cluster to use'
            cand --user 'The kubeconfig user to use'
            cand -n 'Namespace for namespaced objects that do not name one (default: from the context)'
            cand --namespace 'Namespace for namespaced objects that do not name one (default: from the context)'
            cand --request-timeout 'How long to wait for a single API response (e.g. 30s; 0 = no limit; watches excluded)'
            cand --color 'When to use colour on the terminal (NO_COLOR, CLICOLOR_FORCE and TERM=dumb are honoured)'
            cand -v 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)'
            cand --verbose 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand apply 'Server-side apply manifests, then track every object and its children to a verdict'
            cand diff 'Show what `apply` would change: a server-side dry-run apply of each object compared with the live object, as unified YAML diffs'
            cand watch 'Show the live status of a labelled application (or of the objects named in manifests)'
            cand generate 'Write shell completions or man pages (used to refresh completions/ and man/)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kstatus;apply'= {
            cand -f 'Manifest file, directory, or - for stdin (repeatable)'
            cand --filename 'Manifest file, directory, or - for stdin (repeatable)'
            cand --field-manager 'Field manager name for server-side apply'
            cand --adopt 'Take over the fields this field manager owns, e.g. those of an earlier `kubectl apply` (repeatable; giving it replaces the default list; `none`: adopt nothing)'
            cand --dry-run '`server`: have the server validate the objects without persisting them; no tracking'
            cand --timeout 'Give up after this long; objects still in progress become Timed out (0 = no limit)'
            cand --stabilization 'How long a settled state must hold before it is the verdict (0 = the first settled state)'
            cand --health-rules 'CEL health rules for kinds, in the shape of Flux''s healthCheckExprs (repeatable; they win over built-in rules; default: .kstatus/health.yaml when present)'
            cand --wait-for-jobs 'Count a Job as successful only once it completes (`--wait-for-jobs=false`: once created)'
            cand --redact 'Extra value to redact from everything kstatus prints (repeatable; the environment variable holds one value, commas included)'
            cand --applyset 'The ApplySet (KEP-3659) the objects belong to: its parent Secret NAME in the namespace (`secrets/NAME` or `configmaps/NAME`); without --prune, only labels and records the set'
            cand -o 'Format of the final report on stdout'
            cand --output 'Format of the final report on stdout'
            cand --progress 'Progress on stderr: a live view on a terminal, or append-only timestamped lines'
            cand --junit 'Also write a JUnit XML report (one test case per object) to this file'
            cand --events 'Stream one JSON object per status change: `ndjson` on stdout (the final table then goes to stderr) or `ndjson=FILE`'
            cand --fingerprint-salt 'Salt of the Secret fingerprints, so they compare across runs and stored reports (default: random per run). It is never printed'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use'
            cand --cluster 'The kubeconfig cluster to use'
            cand --user 'The kubeconfig user to use'
            cand -n 'Namespace for namespaced objects that do not name one (default: from the context)'
            cand --namespace 'Namespace for namespaced objects that do not name one (default: from the context)'
            cand --request-timeout 'How long to wait for a single API response (e.g. 30s; 0 = no limit; watches excluded)'
            cand --color 'When to use colour on the terminal (NO_COLOR, CLICOLOR_FORCE and TERM=dumb are honoured)'
            cand -R 'Recurse into subdirectories of directories given with -f'
            cand --recursive 'Recurse into subdirectories of directories given with -f'
            cand --steps 'Apply each -f as one step, in order: a step is applied only once the previous one reached Success; an Error or the timeout ends the run'
            cand --force-conflicts 'Take ownership of fields another field manager owns instead of failing with a conflict'
            cand --logs 'Follow the logs of tracked pods (current revision) while they are not Ready or are failing; plain lines `Pod/NAME CONTAINER | line`, the last few under the live table'
            cand --prune 'After the verdict is Success, delete the objects of the --applyset set that the manifests no longer hold'
            cand --prune-before-verdict 'With --prune: delete the dropped objects right after the apply, while tracking, instead of after a Success verdict'
            cand -v 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)'
            cand --verbose 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kstatus;diff'= {
            cand -f 'Manifest file, directory, or - for stdin (repeatable)'
            cand --filename 'Manifest file, directory, or - for stdin (repeatable)'
            cand --field-manager 'Field manager name for server-side apply'
            cand --adopt 'Take over the fields this field manager owns, e.g. those of an earlier `kubectl apply` (repeatable; giving it replaces the default list; `none`: adopt nothing)'
            cand --redact 'Extra value to redact from everything kstatus prints (repeatable; the environment variable holds one value, commas included)'
            cand --applyset 'Compare as `apply --applyset NAME` applies: every object labelled as part of the set'
            cand -o '`table`: unified diffs and a summary; `json`/`yaml`: the kstatus.dev/diff/v1 document'
            cand --output '`table`: unified diffs and a summary; `json`/`yaml`: the kstatus.dev/diff/v1 document'
            cand --fingerprint-salt 'Salt of the Secret fingerprints, so they compare across runs (default: random per run). It is never printed'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use'
            cand --cluster 'The kubeconfig cluster to use'
            cand --user 'The kubeconfig user to use'
            cand -n 'Namespace for namespaced objects that do not name one (default: from the context)'
            cand --namespace 'Namespace for namespaced objects that do not name one (default: from the context)'
            cand --request-timeout 'How long to wait for a single API response (e.g. 30s; 0 = no limit; watches excluded)'
            cand --color 'When to use colour on the terminal (NO_COLOR, CLICOLOR_FORCE and TERM=dumb are honoured)'
            cand -R 'Recurse into subdirectories of directories given with -f'
            cand --recursive 'Recurse into subdirectories of directories given with -f'
            cand --force-conflicts 'Take ownership of fields another field manager owns instead of failing with a conflict'
            cand -v 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)'
            cand --verbose 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kstatus;watch'= {
            cand -l 'Label selector, e.g. app=shop (required unless -f or --by is given)'
            cand --selector 'Label selector, e.g. app=shop (required unless -f or --by is given)'
            cand --by 'Dashboard: group the objects carrying this label by its value and namespace, one row per application, e.g. app.kubernetes.io/instance'
            cand -f 'Watch the objects named in these manifests without applying them (repeatable)'
            cand --filename 'Watch the objects named in these manifests without applying them (repeatable)'
            cand --kind 'Additional kinds to watch, e.g. certificates.cert-manager.io (repeatable)'
            cand --redact 'Extra value to redact from everything kstatus prints (repeatable; the environment variable holds one value, commas included)'
            cand --until 'Wait until the application reaches this state, then exit like `apply`'
            cand --timeout 'Give up after this long; objects still in progress become Timed out (0 = no limit)'
            cand --stabilization 'How long a settled state must hold before it is the verdict (0 = the first settled state)'
            cand --health-rules 'CEL health rules for kinds, in the shape of Flux''s healthCheckExprs (repeatable; they win over built-in rules; default: .kstatus/health.yaml when present)'
            cand -o 'Format of the final report on stdout'
            cand --output 'Format of the final report on stdout'
            cand --progress 'Progress on stderr: a live view on a terminal, or append-only timestamped lines'
            cand --junit 'Also write a JUnit XML report (one test case per object) to this file'
            cand --events 'Stream one JSON object per status change: `ndjson` on stdout (the final table then goes to stderr) or `ndjson=FILE`'
            cand --fingerprint-salt 'Salt of the Secret fingerprints, so they compare across runs and stored reports (default: random per run). It is never printed'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use'
            cand --cluster 'The kubeconfig cluster to use'
            cand --user 'The kubeconfig user to use'
            cand -n 'Namespace for namespaced objects that do not name one (default: from the context)'
            cand --namespace 'Namespace for namespaced objects that do not name one (default: from the context)'
            cand --request-timeout 'How long to wait for a single API response (e.g. 30s; 0 = no limit; watches excluded)'
            cand --color 'When to use colour on the terminal (NO_COLOR, CLICOLOR_FORCE and TERM=dumb are honoured)'
            cand -R 'Recurse into subdirectories of directories given with -f'
            cand --recursive 'Recurse into subdirectories of directories given with -f'
            cand -A 'Watch every namespace'
            cand --all-namespaces 'Watch every namespace'
            cand --once 'Print one snapshot and exit with the application status (0 Success, 1 Error, 3 In progress)'
            cand --logs 'Follow the logs of tracked pods (current revision) while they are not Ready or are failing; plain lines `Pod/NAME CONTAINER | line`, the last few under the live table'
            cand -v 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)'
            cand --verbose 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kstatus;generate'= {
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use'
            cand --cluster 'The kubeconfig cluster to use'
            cand --user 'The kubeconfig user to use'
            cand -n 'Namespace for namespaced objects that do not name one (default: from the context)'
            cand --namespace 'Namespace for namespaced objects that do not name one (default: from the context)'
            cand --request-timeout 'How long to wait for a single API response (e.g. 30s; 0 = no limit; watches excluded)'
            cand --color 'When to use colour on the terminal (NO_COLOR, CLICOLOR_FORCE and TERM=dumb are honoured)'
            cand -v 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)'
            cand --verbose 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kstatus;help'= {
            cand apply 'Server-side apply manifests, then track every object and its children to a verdict'
            cand diff 'Show what `apply` would change: a server-side dry-run apply of each object compared with the live object, as unified YAML diffs'
            cand watch 'Show the live status of a labelled application (or of the objects named in manifests)'
            cand generate 'Write shell completions or man pages (used to refresh completions/ and man/)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kstatus;help;apply'= {
        }
        &'kstatus;help;diff'= {
        }
        &'kstatus;help;watch'= {
        }
        &'kstatus;help;generate'= {
        }
        &'kstatus;help;help'= {
        }
    ]
    $completions[$command]
}
