#!/usr/bin/env bash
# A real Kubernetes v1.20.2 cluster on this machine for kstatus's end-to-end tests and demos:
# etcd, kube-apiserver, kube-controller-manager and kube-scheduler on 127.0.0.1, and one node:
# a real kubelet with containerd and runc (default), or the kubelet simulator.
#
#   local-cluster.sh install           install Debian packages, build/cache Kubernetes and images
#   local-cluster.sh up [--node real|sim]
#                                      install if needed, start everything (safe to run twice)
#   local-cluster.sh down              stop what `up` started (by PID) and remove everything it
#                                      made: state directory, netns, links, mounts, cgroups
#   local-cluster.sh env               print `export KUBECONFIG=...` for the running cluster
#   local-cluster.sh status            say whether the cluster is up, and with which node
#   local-cluster.sh restart-apiserver stop kube-apiserver and start it again (same port, flags)
#   local-cluster.sh leftovers         list what of a node is still on the machine (none: empty)
#   local-cluster.sh kubectl           build (once) and print the path of kubectl v1.20.2
#
# Environment:
#   KSTATUS_CLUSTER_DIR   state directory (default: ${XDG_RUNTIME_DIR:-/tmp}/kstatus-cluster)
#   KSTATUS_CACHE_DIR     build cache (default: ${XDG_CACHE_HOME:-$HOME/.cache}/kstatus-e2e)
#   KSTATUS_NODE          real or sim: the node `up` starts when --node is not given (default real)
#   KSTATUS_KUBELET_SIM   path of a built kubelet simulator (default: built with cargo)
#   KSTATUS_SIM_ARGS      extra arguments for the kubelet simulator (timings)
set -euo pipefail

readonly K8S_VERSION="1.20.2"
readonly SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly REPO_DIR="$(cd "$SCRIPT_DIR/../.." && pwd)"
readonly STATE_DIR="${KSTATUS_CLUSTER_DIR:-${XDG_RUNTIME_DIR:-/tmp}/kstatus-cluster}"
readonly CACHE_DIR="${KSTATUS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kstatus-e2e}"
readonly BIN_DIR="$CACHE_DIR/kubernetes-v$K8S_VERSION/bin"
# Built together from one source tree: the kubelet is the real node's, kubectl is for tests of
# taking over objects it applied and for benchmarks.
readonly COMPONENTS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl)
# Start order; `down` stops them in reverse.
readonly CONTROL_PLANE=(etcd kube-apiserver kube-controller-manager kube-scheduler)

log() { printf '[local-cluster] %s\n' "$*" >&2; }
die() { printf '[local-cluster] error: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

# shellcheck source=tests/cluster/real-node.sh
source "$SCRIPT_DIR/real-node.sh"

# The node of the cluster in STATE_DIR (or the one `up` will start): real or sim.
node_mode() {
    if [[ -f $STATE_DIR/node-mode ]]; then
        cat "$STATE_DIR/node-mode"
    else
        echo "${KSTATUS_NODE:-real}"
    fi
}

# The processes of a cluster with the given node, in start order.
processes() {
    case $1 in
        real) echo "${CONTROL_PLANE[*]} containerd kubelet" ;;
        sim) echo "${CONTROL_PLANE[*]} kubelet-sim" ;;
        *) die "unknown node kind '$1' (use real or sim)" ;;
    esac
}

# ---------------------------------------------------------------------------------------------
# install: Debian packages and the control-plane build

apt_updated=false
apt_update_once() {
    if ! $apt_updated; then
        as_root apt-get update -qq >&2
        apt_updated=true
    fi
}

ensure_deb_src() {
    local src=/etc/apt/sources.list.d/kstatus-debsrc.sources
    if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ /etc/apt/sources.list 2>/dev/null \
        && ! grep -qs '^deb-src' /etc/apt/sources.list 2>/dev/null; then
        log "adding a deb-src entry for bookworm main ($src)"
        as_root tee "$src" >/dev/null <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
        apt_updated=false
    fi
}

ensure_packages() {
    local wanted=(golang-go rsync jq etcd-server golang-github-modern-go-reflect2-dev openssl dpkg-dev
        curl procps $(real_node_packages))
    local missing=()
    for pkg in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        log "installing Debian packages: ${missing[*]}"
        apt_update_once
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >&2
    fi
}

binaries_cached() {
    local c
    for c in "$@"; do [[ -x "$BIN_DIR/$c" ]] || return 1; done
}

build_control_plane() {
    build_from_source "${COMPONENTS[@]}"
}

# build_from_source NAME...: builds cmd/NAME for each and caches the binaries.
build_from_source() {
    local wanted=("$@")
    if binaries_cached "${wanted[@]}"; then
        return 0
    fi
    ensure_deb_src
    apt_update_once
    local work="$CACHE_DIR/build"
    rm -rf "$work"
    mkdir -p "$work"
    log "fetching Debian's kubernetes source package (v$K8S_VERSION)"
    (cd "$work" && apt-get source --download-only kubernetes >&2)
    local orig
    orig=$(ls "$work"/kubernetes_*.orig.tar.* | head -n1)
    [[ -f "$orig" ]] || die "no kubernetes orig tarball was downloaded into $work"
    mkdir -p "$work/src"
    tar -xf "$orig" -C "$work/src" --strip-components=1
    local tree="$work/src"
    [[ -d "$tree/vendor/github.com/modern-go/reflect2" ]] || die "unexpected source layout in $tree"

    # reflect2 1.0.1 (vendored) crashes under Go >= 1.18; Debian ships the fixed 1.0.2.
    local fixed=/usr/share/gocode/src/github.com/modern-go/reflect2
    [[ -d "$fixed" ]] || die "missing $fixed (package golang-github-modern-go-reflect2-dev)"
    find "$tree/vendor/github.com/modern-go/reflect2" -maxdepth 1 \( -name '*.go' -o -name '*.s' \) -delete
    cp "$fixed"/*.go "$tree/vendor/github.com/modern-go/reflect2/"
    cp "$fixed"/*.s "$tree/vendor/github.com/modern-go/reflect2/" 2>/dev/null || true

    mkdir -p "$tree/.go/src/k8s.io"
    ln -sfn "$tree" "$tree/.go/src/k8s.io/kubernetes"
    mkdir -p "$work/home"
    local what="" c
    for c in "${wanted[@]}"; do what+=" cmd/$c"; done
    log "building ${wanted[*]} (about 5 minutes on 2 cores the first time)"
    (
        cd "$tree/.go/src/k8s.io/kubernetes"
        env HOME="$work/home" GOPATH="$tree/.go" GO111MODULE=off GOFLAGS= CGO_ENABLED=0 \
            KUBE_GIT_VERSION="v$K8S_VERSION" KUBE_GIT_TREE_STATE=clean \
            make WHAT="${what# }" >&2
    )
    mkdir -p "$BIN_DIR"
    for c in "${wanted[@]}"; do
        install -m 0755 "$tree/_output/bin/$c" "$BIN_DIR/$c"
    done
    rm -rf "$work"
    log "cached control-plane binaries in $BIN_DIR"
}

cmd_install() {
    ensure_packages
    build_control_plane
    real_node_images
}

# ---------------------------------------------------------------------------------------------
# up / down

pid_file() { echo "$STATE_DIR/pids/$1.pid"; }

is_running() {
    local f
    f=$(pid_file "$1")
    [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A free port below the kernel's ephemeral range: a port inside it can be taken at any moment
# by an outgoing connection, which a probe for listeners cannot see.
free_port() {
    local p low=32768
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
    ((low > 12000)) || low=32768
    for _ in $(seq 1 200); do
        p=$((10000 + RANDOM % (low - 10000)))
        if ! port_in_use "$p" && ! grep -qsx "$p" "$STATE_DIR/ports.used"; then
            echo "$p" >>"$STATE_DIR/ports.used"
            echo "$p"
            return 0
        fi
    done
    die "no free port found on 127.0.0.1"
}

start_process() {
    local name=$1
    shift
    log "starting $name"
    # Kept so that the same process can be started again (restart-apiserver).
    mkdir -p "$STATE_DIR/cmdline"
    printf '%s\0' "$@" >"$STATE_DIR/cmdline/$name"
    # setsid: the process gets its own session, so a Ctrl-C aimed at a test run does not kill it
    # half-way and `down` can stop exactly what was started here.
    setsid "$@" >>"$STATE_DIR/logs/$name.log" 2>&1 </dev/null &
    echo $! >"$(pid_file "$name")"
}

# Stops one process started by start_process (TERM, then KILL after 5 s).
stop_process() {
    local name=$1 pid
    [[ -f "$(pid_file "$name")" ]] || return 0
    pid=$(cat "$(pid_file "$name")")
    if kill -0 "$pid" 2>/dev/null; then
        log "stopping $name (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$(pid_file "$name")"
}

wait_for() {
    local what=$1 seconds=$2
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            die "$what did not become ready within ${seconds}s"
        fi
        sleep 0.3
    done
}

make_certs() {
    local pki=$STATE_DIR/pki
    mkdir -p "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=kstatus-local-ca" \
        -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
        -keyout "$pki/apiserver.key" -out "$pki/apiserver.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes.default.svc\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' \
        >"$pki/apiserver.ext"
    openssl x509 -req -in "$pki/apiserver.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
        -CAcreateserial -days 3650 -extfile "$pki/apiserver.ext" -out "$pki/apiserver.crt" 2>/dev/null
    # The kubelet simulator's serving certificate for container logs (not verified by the
    # apiserver, as with a default kubelet).
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=kstatus-node" \
        -addext "subjectAltName=IP:127.0.0.1,IP:$NODE_HOST_IP" \
        -keyout "$pki/kubelet.key" -out "$pki/kubelet.crt" 2>/dev/null
    openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
    openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
}

make_tokens() {
    local t
    for t in admin controller-manager scheduler kubelet unprivileged bench-kstatus bench-kubectl; do
        head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$STATE_DIR/tokens/$t"
    done
    # token,user,uid,"group1,group2"
    {
        echo "$(cat "$STATE_DIR/tokens/admin"),kstatus-admin,uid-admin,\"system:masters\""
        echo "$(cat "$STATE_DIR/tokens/controller-manager"),system:kube-controller-manager,uid-kcm"
        echo "$(cat "$STATE_DIR/tokens/scheduler"),system:kube-scheduler,uid-sched"
        echo "$(cat "$STATE_DIR/tokens/kubelet"),system:node:kstatus-node,uid-node,\"system:nodes,system:masters\""
        echo "$(cat "$STATE_DIR/tokens/unprivileged"),kstatus-unprivileged,uid-unpriv"
        # Admins with their own names, so the audit log attributes benchmark requests per tool.
        echo "$(cat "$STATE_DIR/tokens/bench-kstatus"),bench-kstatus,uid-bench-kstatus,\"system:masters\""
        echo "$(cat "$STATE_DIR/tokens/bench-kubectl"),bench-kubectl,uid-bench-kubectl,\"system:masters\""
    } >"$STATE_DIR/tokens.csv"
}

# kubeconfig FILE USER... : one context per user, the first one current.
write_kubeconfig() {
    local file=$1
    shift
    local users=("$@")
    {
        echo "apiVersion: v1"
        echo "kind: Config"
        echo "clusters:"
        echo "- name: local"
        echo "  cluster:"
        echo "    server: https://127.0.0.1:$(cat "$STATE_DIR/apiserver.port")"
        echo "    certificate-authority: $STATE_DIR/pki/ca.crt"
        echo "users:"
        local u
        for u in "${users[@]}"; do
            echo "- name: $u"
            echo "  user:"
            echo "    token: $(cat "$STATE_DIR/tokens/$u")"
        done
        echo "contexts:"
        for u in "${users[@]}"; do
            echo "- name: $u"
            echo "  context:"
            echo "    cluster: local"
            echo "    user: $u"
            echo "    namespace: default"
        done
        echo "current-context: ${users[0]}"
    } >"$file"
    chmod 600 "$file"
}

apiserver_ready() {
    curl -sf --cacert "$STATE_DIR/pki/ca.crt" \
        -H "Authorization: Bearer $(cat "$STATE_DIR/tokens/admin")" \
        "https://127.0.0.1:$(cat "$STATE_DIR/apiserver.port")/readyz" | grep -qx ok
}

api_get() {
    curl -sf --cacert "$STATE_DIR/pki/ca.crt" \
        -H "Authorization: Bearer $(cat "$STATE_DIR/tokens/admin")" \
        "https://127.0.0.1:$(cat "$STATE_DIR/apiserver.port")$1"
}

node_ready() {
    api_get /api/v1/nodes/kstatus-node \
        | jq -e '([.status.conditions[]? | select(.type=="Ready" and .status=="True")] | length == 1)
                 and ((.spec.taints // []) | length == 0)'
}

default_sa_ready() {
    api_get /api/v1/namespaces/default/serviceaccounts/default | jq -e '(.secrets // []) | length > 0'
}

kubelet_sim_binary() {
    if [[ -n "${KSTATUS_KUBELET_SIM:-}" ]]; then
        [[ -x "$KSTATUS_KUBELET_SIM" ]] || die "KSTATUS_KUBELET_SIM=$KSTATUS_KUBELET_SIM is not executable"
        echo "$KSTATUS_KUBELET_SIM"
        return
    fi
    log "building the kubelet simulator (cargo build --example kubelet-sim)"
    (cd "$REPO_DIR" && cargo build --quiet --example kubelet-sim >&2)
    echo "$REPO_DIR/target/debug/examples/kubelet-sim"
}

all_running() {
    local p
    for p in $(processes "$(node_mode)"); do is_running "$p" || return 1; done
}

print_usage() {
    cat <<EOF
Local Kubernetes v$K8S_VERSION control plane is up on https://127.0.0.1:$(cat "$STATE_DIR/apiserver.port")
  kubeconfig:   $STATE_DIR/kubeconfig   (contexts: admin, unprivileged, bench-kstatus, bench-kubectl)
  use it:       export KUBECONFIG=$STATE_DIR/kubeconfig
                (or: eval "\$($SCRIPT_DIR/local-cluster.sh env)")
  logs:         $STATE_DIR/logs/
  audit log:    $STATE_DIR/logs/audit.log
  stop it:      $SCRIPT_DIR/local-cluster.sh down
EOF
}

cmd_up() {
    local mode=${KSTATUS_NODE:-real}
    while (($#)); do
        case $1 in
            --node) mode=${2:-}; shift 2 || die "--node needs a value: real or sim" ;;
            --node=*) mode=${1#--node=}; shift ;;
            *) die "unknown argument to up: $1 (use --node real|sim)" ;;
        esac
    done
    processes "$mode" >/dev/null
    if [[ -f "$STATE_DIR/kubeconfig" ]] && all_running && apiserver_ready; then
        if [[ $(node_mode) != "$mode" ]]; then
            die "a cluster with a $(node_mode) node is already up; run down first to switch to $mode"
        fi
        log "already up"
        print_usage
        return 0
    fi
    if [[ -d "$STATE_DIR" ]] || [[ -n $(real_node_leftovers) ]]; then
        log "found a partial or stopped cluster in $STATE_DIR; cleaning it up first"
        cmd_down
    fi
    cmd_install
    local sim=""
    if [[ $mode == sim ]]; then
        sim=$(kubelet_sim_binary)
    fi
    # A start-up that fails half-way stops what it started (logs are kept for diagnosis).
    trap 'log "start-up failed; stopping what was started (logs kept in $STATE_DIR.failed/)"; keep_failed_logs; cmd_down' EXIT

    mkdir -p "$STATE_DIR"/{pids,logs,tokens,etcd}
    echo "$mode" >"$STATE_DIR/node-mode"
    : >"$STATE_DIR/ports.used"
    make_certs
    make_tokens

    local etcd_port etcd_peer api_port kcm_port sched_port kubelet_port
    etcd_port=$(free_port)
    etcd_peer=$(free_port)
    api_port=$(free_port)
    kcm_port=$(free_port)
    sched_port=$(free_port)
    kubelet_port=$(free_port)
    echo "$api_port" >"$STATE_DIR/apiserver.port"

    start_process etcd etcd --name kstatus --data-dir "$STATE_DIR/etcd" \
        --listen-client-urls "http://127.0.0.1:$etcd_port" \
        --advertise-client-urls "http://127.0.0.1:$etcd_port" \
        --listen-peer-urls "http://127.0.0.1:$etcd_peer" \
        --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
        --initial-cluster "kstatus=http://127.0.0.1:$etcd_peer" \
        --unsafe-no-fsync
    wait_for etcd 30 curl -sf "http://127.0.0.1:$etcd_port/health"

    cat >"$STATE_DIR/audit-policy.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
EOF
    start_process kube-apiserver "$BIN_DIR/kube-apiserver" \
        --etcd-servers "http://127.0.0.1:$etcd_port" \
        --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port" \
        --insecure-port=0 --endpoint-reconciler-type=none \
        --tls-cert-file="$STATE_DIR/pki/apiserver.crt" \
        --tls-private-key-file="$STATE_DIR/pki/apiserver.key" \
        --cert-dir="$STATE_DIR/pki" \
        --token-auth-file="$STATE_DIR/tokens.csv" \
        --authorization-mode=RBAC \
        --service-account-issuer=https://kubernetes.default.svc \
        --service-account-key-file="$STATE_DIR/pki/sa.pub" \
        --service-account-signing-key-file="$STATE_DIR/pki/sa.key" \
        --service-cluster-ip-range=10.0.0.0/24 \
        --kubelet-preferred-address-types=InternalIP \
        --audit-policy-file="$STATE_DIR/audit-policy.yaml" \
        --audit-log-path="$STATE_DIR/logs/audit.log" \
        --audit-log-maxsize=200
    wait_for kube-apiserver 90 apiserver_ready

    write_kubeconfig "$STATE_DIR/kubeconfig" admin unprivileged bench-kstatus bench-kubectl
    write_kubeconfig "$STATE_DIR/controller-manager.kubeconfig" controller-manager
    write_kubeconfig "$STATE_DIR/scheduler.kubeconfig" scheduler
    write_kubeconfig "$STATE_DIR/kubelet.kubeconfig" kubelet

    # A real node registers with the not-ready taint, which only the node lifecycle controller
    # removes; the simulator removes its own taints and renews no lease, so it runs without it.
    local controllers='*,-nodeipam,-cloud-node-lifecycle,-service,-route,-attachdetach,-persistentvolume-binder'
    [[ $mode == sim ]] && controllers+=',-nodelifecycle'
    start_process kube-controller-manager "$BIN_DIR/kube-controller-manager" \
        --kubeconfig="$STATE_DIR/controller-manager.kubeconfig" \
        --leader-elect=false --port=0 --secure-port="$kcm_port" --bind-address=127.0.0.1 \
        --service-account-private-key-file="$STATE_DIR/pki/sa.key" \
        --root-ca-file="$STATE_DIR/pki/ca.crt" \
        --use-service-account-credentials=true \
        --controllers="$controllers"
    start_process kube-scheduler "$BIN_DIR/kube-scheduler" \
        --kubeconfig="$STATE_DIR/scheduler.kubeconfig" \
        --leader-elect=false --port=0 --secure-port="$sched_port" --bind-address=127.0.0.1
    if [[ $mode == real ]]; then
        real_node_start "$kubelet_port"
        wait_for "the node (kubelet + containerd)" 120 node_ready
    else
        # shellcheck disable=SC2086 # KSTATUS_SIM_ARGS is a list of flags
        start_process kubelet-sim "$sim" \
            --kubeconfig "$STATE_DIR/kubelet.kubeconfig" \
            --node-name kstatus-node --port "$kubelet_port" \
            --tls-cert "$STATE_DIR/pki/kubelet.crt" --tls-key "$STATE_DIR/pki/kubelet.key" \
            ${KSTATUS_SIM_ARGS:-}
        wait_for "the simulated node" 60 node_ready
    fi
    wait_for "the default service account" 60 default_sa_ready
    local p
    for p in $(processes "$mode"); do
        is_running "$p" || die "$p exited during start-up"
    done
    trap - EXIT
    print_usage
}

keep_failed_logs() {
    rm -rf "$STATE_DIR.failed"
    if [[ -d "$STATE_DIR/logs" ]]; then
        mkdir -p "$STATE_DIR.failed"
        cp -r "$STATE_DIR/logs" "$STATE_DIR.failed/" 2>/dev/null || true
        local p
        for p in $(processes "$(node_mode)"); do
            [[ -f "$STATE_DIR/logs/$p.log" ]] || continue
            printf '[local-cluster] --- last lines of %s.log ---\n' "$p" >&2
            tail -n 5 "$STATE_DIR/logs/$p.log" >&2
        done
    fi
}

cmd_down() {
    local mode i names
    mode=$(node_mode)
    read -r -a names <<<"$(processes "$mode")"
    for ((i = ${#names[@]} - 1; i >= 0; i--)); do
        case ${names[$i]} in
            # The node's processes go first, with its pods, netns, mounts and cgroups.
            containerd) ;;
            kubelet) real_node_stop ;;
            *) stop_process "${names[$i]}" ;;
        esac
    done
    # A node left by a run that died before writing its state is still found and removed.
    if [[ -n $(real_node_leftovers) ]]; then
        real_node_stop
    fi
    local left
    left=$(real_node_leftovers)
    [[ -z $left ]] || die "could not remove everything the node made:"$'\n'"$left"
    if [[ -d "$STATE_DIR" ]]; then
        rm -rf "$STATE_DIR"
    fi
}

# Everything of a cluster on this machine: its processes (found by the state directory in their
# command line) and what its node made. Empty after `down`.
cmd_leftovers() {
    pgrep -af -- "$STATE_DIR/" | sed 's/^/process /' || true
    real_node_leftovers
}

# Stops kube-apiserver and starts it again with the same port and flags (tests of reconnects).
cmd_restart_apiserver() {
    [[ -f $STATE_DIR/cmdline/kube-apiserver ]] || die "the local cluster is not up (run: $0 up)"
    local args port
    mapfile -d '' -t args <"$STATE_DIR/cmdline/kube-apiserver"
    port=$(cat "$STATE_DIR/apiserver.port")
    stop_process kube-apiserver
    # The port is free again only once the old process has gone.
    wait_for "the API server's port to be free" 30 bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$port)"
    start_process kube-apiserver "${args[@]}"
    wait_for kube-apiserver 90 apiserver_ready
}

cmd_env() {
    [[ -f "$STATE_DIR/kubeconfig" ]] || die "the local cluster is not up (run: $0 up)"
    echo "export KUBECONFIG=$STATE_DIR/kubeconfig"
}

cmd_status() {
    if [[ -f "$STATE_DIR/kubeconfig" ]] && all_running && apiserver_ready; then
        local runtime
        runtime=$(api_get "/api/v1/nodes/$NODE_NAME" \
            | jq -r '.status.nodeInfo | "\(.containerRuntimeVersion), kubelet \(.kubeletVersion)"' 2>/dev/null || true)
        echo "up: https://127.0.0.1:$(cat "$STATE_DIR/apiserver.port") (KUBECONFIG=$STATE_DIR/kubeconfig), node: $(node_mode) (${runtime:-not registered})"
    else
        echo "down"
        return 1
    fi
}

case "${1:-}" in
    install) cmd_install ;;
    kubectl)
        ensure_packages
        build_from_source kubectl
        echo "$BIN_DIR/kubectl"
        ;;
    up) shift; cmd_up "$@" ;;
    down) cmd_down ;;
    restart-apiserver) cmd_restart_apiserver ;;
    leftovers) cmd_leftovers ;;
    env) cmd_env ;;
    status) cmd_status ;;
    *)
        sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' >&2
        exit 2
        ;;
esac
