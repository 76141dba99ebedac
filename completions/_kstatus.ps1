
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kstatus' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kstatus'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'kstatus' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that do not name one (default: from the context)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that do not name one (default: from the context)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a single API response (e.g. 30s; 0 = no limit; watches excluded)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR, CLICOLOR_FORCE and TERM=dumb are honoured)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Server-side apply manifests, then track every object and its children to a verdict')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Show what `apply` would change: a server-side dry-run apply of each object compared with the live object, as unified YAML diffs')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Show the live status of a labelled application (or of the objects named in manifests)')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions or man pages (used to refresh completions/ and man/)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kstatus;apply' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file, directory, or - for stdin (repeatable)')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file, directory, or - for stdin (repeatable)')
            [CompletionResult]::new('--field-manager', '--field-manager', [CompletionResultType]::ParameterName, 'Field manager name for server-side apply')
            [CompletionResult]::new('--adopt', '--adopt', [CompletionResultType]::ParameterName, 'Take over the fields this field manager owns, e.g. those of an earlier `kubectl apply` (repeatable; giving it replaces the default list; `none`: adopt nothing)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, '`server`: have the server validate the objects without persisting them; no tracking')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up after this long; objects still in progress become Timed out (0 = no limit)')
            [CompletionResult]::new('--stabilization', '--stabilization', [CompletionResultType]::ParameterName, 'How long a settled state must hold before it is the verdict (0 = the first settled state)')
            [CompletionResult]::new('--health-rules', '--health-rules', [CompletionResultType]::ParameterName, 'CEL health rules for kinds, in the shape of Flux''s healthCheckExprs (repeatable; they win over built-in rules; default: .kstatus/health.yaml when present)')
            [CompletionResult]::new('--wait-for-jobs', '--wait-for-jobs', [CompletionResultType]::ParameterName, 'Count a Job as successful only once it completes (`--wait-for-jobs=false`: once created)')
            [CompletionResult]::new('--redact', '--redact', [CompletionResultType]::ParameterName, 'Extra value to redact from everything kstatus prints (repeatable; the environment variable holds one value, commas included)')
            [CompletionResult]::new('--applyset', '--applyset', [CompletionResultType]::ParameterName, 'The ApplySet (KEP-3659) the objects belong to: its parent Secret NAME in the namespace (`secrets/NAME` or `configmaps/NAME`); without --prune, only labels and records the set')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Format of the final report on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Format of the final report on stdout')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Progress on stderr: a live view on a terminal, or append-only timestamped lines')
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Also write a JUnit XML report (one test case per object) to this file')
            [CompletionResult]::new('--events', '--events', [CompletionResultType]::ParameterName, 'Stream one JSON object per status change: `ndjson` on stdout (the final table then goes to stderr) or `ndjson=FILE`')
            [CompletionResult]::new('--fingerprint-salt', '--fingerprint-salt', [CompletionResultType]::ParameterName, 'Salt of the Secret fingerprints, so they compare across runs and stored reports (default: random per run). It is never printed')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that do not name one (default: from the context)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that do not name one (default: from the context)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a single API response (e.g. 30s; 0 = no limit; watches excluded)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR, CLICOLOR_FORCE and TERM=dumb are honoured)')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Recurse into subdirectories of directories given with -f')
            [CompletionResult]::new('--recursive', '--recursive', [CompletionResultType]::ParameterName, 'Recurse into subdirectories of directories given with -f')
            [CompletionResult]::new('--steps', '--steps', [CompletionResultType]::ParameterName, 'Apply each -f as one step, in order: a step is applied only once the previous one reached Success; an Error or the timeout ends the run')
            [CompletionResult]::new('--force-conflicts', '--force-conflicts', [CompletionResultType]::ParameterName, 'Take ownership of fields another field manager owns instead of failing with a conflict')
            [CompletionResult]::new('--logs', '--logs', [CompletionResultType]::ParameterName, 'Follow the logs of tracked pods (current revision) while they are not Ready or are failing; plain lines `Pod/NAME CONTAINER | line`, the last few under the live table')
            [CompletionResult]::new('--prune', '--prune', [CompletionResultType]::ParameterName, 'After the verdict is Success, delete the objects of the --applyset set that the manifests no longer hold')
            [CompletionResult]::new('--prune-before-verdict', '--prune-before-verdict', [CompletionResultType]::ParameterName, 'With --prune: delete the dropped objects right after the apply, while tracking, instead of after a Success verdict')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kstatus;diff' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifest file, directory, or - for stdin (repeatable)')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifest file, directory, or - for stdin (repeatable)')
            [CompletionResult]::new('--field-manager', '--field-manager', [CompletionResultType]::ParameterName, 'Field manager name for server-side apply')
            [CompletionResult]::new('--adopt', '--adopt', [CompletionResultType]::ParameterName, 'Take over the fields this field manager owns, e.g. those of an earlier `kubectl apply` (repeatable; giving it replaces the default list; `none`: adopt nothing)')
            [CompletionResult]::new('--redact', '--redact', [CompletionResultType]::ParameterName, 'Extra value to redact from everything kstatus prints (repeatable; the environment variable holds one value, commas included)')
            [CompletionResult]::new('--applyset', '--applyset', [CompletionResultType]::ParameterName, 'Compare as `apply --applyset NAME` applies: every object labelled as part of the set')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, '`table`: unified diffs and a summary; `json`/`yaml`: the kstatus.dev/diff/v1 document')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, '`table`: unified diffs and a summary; `json`/`yaml`: the kstatus.dev/diff/v1 document')
            [CompletionResult]::new('--fingerprint-salt', '--fingerprint-salt', [CompletionResultType]::ParameterName, 'Salt of the Secret fingerprints, so they compare across runs (default: random per run). It is never printed')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that do not name one (default: from the context)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that do not name one (default: from the context)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a single API response (e.g. 30s; 0 = no limit; watches excluded)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR, CLICOLOR_FORCE and TERM=dumb are honoured)')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Recurse into subdirectories of directories given with -f')
            [CompletionResult]::new('--recursive', '--recursive', [CompletionResultType]::ParameterName, 'Recurse into subdirectories of directories given with -f')
            [CompletionResult]::new('--force-conflicts', '--force-conflicts', [CompletionResultType]::ParameterName, 'Take ownership of fields another field manager owns instead of failing with a conflict')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kstatus;watch' {
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector, e.g. app=shop (required unless -f or --by is given)')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector, e.g. app=shop (required unless -f or --by is given)')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Dashboard: group the objects carrying this label by its value and namespace, one row per application, e.g. app.kubernetes.io/instance')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Watch the objects named in these manifests without applying them (repeatable)')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Watch the objects named in these manifests without applying them (repeatable)')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'Additional kinds to watch, e.g. certificates.cert-manager.io (repeatable)')
            [CompletionResult]::new('--redact', '--redact', [CompletionResultType]::ParameterName, 'Extra value to redact from everything kstatus prints (repeatable; the environment variable holds one value, commas included)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Wait until the application reaches this state, then exit like `apply`')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up after this long; objects still in progress become Timed out (0 = no limit)')
            [CompletionResult]::new('--stabilization', '--stabilization', [CompletionResultType]::ParameterName, 'How long a settled state must hold before it is the verdict (0 = the first settled state)')
            [CompletionResult]::new('--health-rules', '--health-rules', [CompletionResultType]::ParameterName, 'CEL health rules for kinds, in the shape of Flux''s healthCheckExprs (repeatable; they win over built-in rules; default: .kstatus/health.yaml when present)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Format of the final report on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Format of the final report on stdout')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Progress on stderr: a live view on a terminal, or append-only timestamped lines')
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Also write a JUnit XML report (one test case per object) to this file')
            [CompletionResult]::new('--events', '--events', [CompletionResultType]::ParameterName, 'Stream one JSON object per status change: `ndjson` on stdout (the final table then goes to stderr) or `ndjson=FILE`')
            [CompletionResult]::new('--fingerprint-salt', '--fingerprint-salt', [CompletionResultType]::ParameterName, 'Salt of the Secret fingerprints, so they compare across runs and stored reports (default: random per run). It is never printed')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that do not name one (default: from the context)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that do not name one (default: from the context)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a single API response (e.g. 30s; 0 = no limit; watches excluded)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR, CLICOLOR_FORCE and TERM=dumb are honoured)')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Recurse into subdirectories of directories given with -f')
            [CompletionResult]::new('--recursive', '--recursive', [CompletionResultType]::ParameterName, 'Recurse into subdirectories of directories given with -f')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Watch every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Watch every namespace')
            [CompletionResult]::new('--once', '--once', [CompletionResultType]::ParameterName, 'Print one snapshot and exit with the application status (0 Success, 1 Error, 3 In progress)')
            [CompletionResult]::new('--logs', '--logs', [CompletionResultType]::ParameterName, 'Follow the logs of tracked pods (current revision) while they are not Ready or are failing; plain lines `Pod/NAME CONTAINER | line`, the last few under the live table')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kstatus;generate' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that do not name one (default: from the context)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for namespaced objects that do not name one (default: from the context)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a single API response (e.g. 30s; 0 = no limit; watches excluded)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour on the terminal (NO_COLOR, CLICOLOR_FORCE and TERM=dumb are honoured)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kstatus;help' {
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Server-side apply manifests, then track every object and its children to a verdict')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Show what `apply` would change: a server-side dry-run apply of each object compared with the live object, as unified YAML diffs')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Show the live status of a labelled application (or of the objects named in manifests)')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions or man pages (used to refresh completions/ and man/)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kstatus;help;apply' {
            break
        }
        'kstatus;help;diff' {
            break
        }
        'kstatus;help;watch' {
            break
        }
        'kstatus;help;generate' {
            break
        }
        'kstatus;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
