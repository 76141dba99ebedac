# A real Kubernetes node for the local control plane: kubelet v1.20.2, containerd 1.6 and runc,
# with the pause and busybox images built locally (no registry is reachable). Sourced by
# local-cluster.sh, which provides STATE_DIR, CACHE_DIR, BIN_DIR, log, die, as_root,
# start_process, stop_process, wait_for and free_port.
#
# Isolation (see ../shared/design/real-node.md for why each piece is needed):
# - containerd, its shims, CNI and every pod live in the network namespace $NODE_NETNS, reached
#   from the host only through one veth pair; the netns has no route out, so image pulls fail
#   with "network is unreachable" and no pod traffic leaves the machine;
# - containerd and the kubelet share a private mount namespace (kept in a file under the state
#   directory) where /var/lib/kubelet, /var/log, /run/containerd and /var/lib/cni are bind mounts
#   of state directories: nothing they write lands on the host's paths;
# - pods' cgroups live under $NODE_CGROUP_ROOT in each cgroup v1 hierarchy.
# `real_node_stop` ends all of it and removes every netns, link, mount and cgroup it made.

readonly NODE_NAME=kstatus-node
# Each state directory gets its own slot, so two clusters (tests and benchmarks) can run side by
# side without sharing a netns, link, address or cgroup.
NODE_SLOT=$((20 + $(printf '%s' "$STATE_DIR" | cksum | cut -d' ' -f1) % 200))
readonly NODE_SLOT
readonly NODE_NETNS=kstatus-node-$NODE_SLOT
readonly NODE_VETH_HOST=ksnode$NODE_SLOT-h
readonly NODE_VETH_NODE=ksnode$NODE_SLOT-n
readonly NODE_HOST_IP=10.213.$NODE_SLOT.1
readonly NODE_NETNS_IP=10.213.$NODE_SLOT.2
readonly POD_SUBNET=10.214.$NODE_SLOT.0/24
readonly NODE_CGROUP_ROOT=kstatus-node-$NODE_SLOT
readonly BUSYBOX_IMAGE=docker.io/library/busybox:1.36
readonly PAUSE_IMAGE=k8s.gcr.io/pause:3.2
readonly IMAGE_DIR="$CACHE_DIR/images"
# Kernel settings the kubelet rewrites at start-up (protectKernelDefaults=false); put back by
# real_node_stop so the host is left as it was found.
readonly KUBELET_SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
    kernel.keys.root_maxkeys kernel.keys.root_maxbytes)
# Host paths the node's own directories are bind-mounted on, inside its mount namespace only.
readonly NODE_BIND_TARGETS=(/var/lib/kubelet /var/log /run/containerd /var/lib/cni)

node_dir() { echo "$STATE_DIR/node"; }
node_mount_ns() { echo "$(node_dir)/ns/mnt"; }

# Runs a command inside the node's mount namespace (and, with --net, its network namespace).
in_node() {
    if [[ ${1:-} == --net ]]; then
        shift
        nsenter --mount="$(node_mount_ns)" --net="/run/netns/$NODE_NETNS" -- "$@"
    else
        nsenter --mount="$(node_mount_ns)" -- "$@"
    fi
}

node_ctr() { in_node ctr --address /run/containerd/containerd.sock --namespace k8s.io "$@"; }

real_node_packages() {
    echo containerd runc containernetworking-plugins busybox-static iproute2 util-linux gcc libc6-dev
}

# ---------------------------------------------------------------------------------------------
# images, built once and cached as docker-archive tarballs

# docker_archive OUT TAG ROOTFS CONFIG_JSON_WITHOUT_ROOTFS: one-layer image from a directory.
docker_archive() {
    local out=$1 tag=$2 rootfs=$3 config=$4
    local work
    work=$(mktemp -d)
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$rootfs" -cf "$work/layer.tar" .
    local layer_sha
    layer_sha=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
    mkdir -p "$work/$layer_sha"
    mv "$work/layer.tar" "$work/$layer_sha/layer.tar"
    jq -c --arg diff "sha256:$layer_sha" --arg arch "$(dpkg --print-architecture)" \
        '. + {architecture: $arch, os: "linux", rootfs: {type: "layers", diff_ids: [$diff]}}' \
        <<<"$config" >"$work/config.json"
    local config_sha
    config_sha=$(sha256sum "$work/config.json" | cut -d' ' -f1)
    mv "$work/config.json" "$work/$config_sha.json"
    jq -nc --arg config "$config_sha.json" --arg tag "$tag" --arg layer "$layer_sha/layer.tar" \
        '[{Config: $config, RepoTags: [$tag], Layers: [$layer]}]' >"$work/manifest.json"
    mkdir -p "$(dirname "$out")"
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work" -cf "$out.tmp" \
        manifest.json "$config_sha.json" "$layer_sha"
    mv "$out.tmp" "$out"
    rm -rf "$work"
}

build_pause_image() {
    local out="$IMAGE_DIR/pause-3.2.tar"
    [[ -f $out ]] && return 0
    log "building the sandbox image $PAUSE_IMAGE"
    local rootfs
    rootfs=$(mktemp -d)
    gcc -static -O2 -o "$rootfs/pause" "$SCRIPT_DIR/images/pause.c"
    strip "$rootfs/pause" 2>/dev/null || true
    docker_archive "$out" "$PAUSE_IMAGE" "$rootfs" \
        '{"config": {"Entrypoint": ["/pause"], "User": "0"}}'
    rm -rf "$rootfs"
}

build_busybox_image() {
    local out="$IMAGE_DIR/busybox-1.36.tar"
    [[ -f $out ]] && return 0
    log "building $BUSYBOX_IMAGE from Debian's static busybox"
    local rootfs applet
    rootfs=$(mktemp -d)
    mkdir -p "$rootfs"/{bin,etc,root,tmp,proc,sys,dev,var/tmp}
    chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
    install -m 0755 /bin/busybox "$rootfs/bin/busybox"
    for applet in $(/bin/busybox --list); do
        [[ $applet == busybox ]] || ln -s busybox "$rootfs/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' \
        >"$rootfs/etc/passwd"
    printf 'root:x:0:\nnobody:x:65534:\n' >"$rootfs/etc/group"
    docker_archive "$out" "$BUSYBOX_IMAGE" "$rootfs" \
        '{"config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["sh"]}}'
    rm -rf "$rootfs"
}

real_node_images() {
    build_pause_image
    build_busybox_image
}

# ---------------------------------------------------------------------------------------------
# start

make_network() {
    ip netns add "$NODE_NETNS"
    ip link add "$NODE_VETH_HOST" type veth peer name "$NODE_VETH_NODE"
    ip link set "$NODE_VETH_NODE" netns "$NODE_NETNS"
    ip addr add "$NODE_HOST_IP/30" dev "$NODE_VETH_HOST"
    ip link set "$NODE_VETH_HOST" up
    ip -n "$NODE_NETNS" addr add "$NODE_NETNS_IP/30" dev "$NODE_VETH_NODE"
    ip -n "$NODE_NETNS" link set "$NODE_VETH_NODE" up
    ip -n "$NODE_NETNS" link set lo up
    # Deliberately no default route in the netns: nothing a pod or containerd sends can leave.
}

make_mount_namespace() {
    local dir
    dir=$(node_dir)
    mkdir -p "$dir/ns" "$dir"/{kubelet,log,run-containerd,cni-lib}
    # A persistent mount namespace is bound to a file, which must sit on a private mount.
    mount --bind "$dir/ns" "$dir/ns"
    mount --make-private "$dir/ns"
    touch "$(node_mount_ns)"
    unshare --mount="$(node_mount_ns)" --propagation private true
    local target source
    for target in "${NODE_BIND_TARGETS[@]}"; do
        if [[ ! -d $target ]]; then
            mkdir -p "$target"
            echo "$target" >>"$dir/created-dirs"
        fi
    done
    for target in "${NODE_BIND_TARGETS[@]}"; do
        case $target in
            /var/lib/kubelet) source=$dir/kubelet ;;
            /var/log) source=$dir/log ;;
            /run/containerd) source=$dir/run-containerd ;;
            /var/lib/cni) source=$dir/cni-lib ;;
        esac
        in_node mount --bind "$source" "$target"
    done
}

make_cgroups() {
    local hierarchy
    for hierarchy in /sys/fs/cgroup/*/; do
        hierarchy=${hierarchy%/}
        [[ -f $hierarchy/cgroup.procs ]] || continue
        mkdir -p "$hierarchy/$NODE_CGROUP_ROOT"
        # cgroup v1 cpusets start empty; a child cannot hold tasks until it has CPUs and nodes.
        if [[ -f $hierarchy/cpuset.cpus ]]; then
            cat "$hierarchy/cpuset.cpus" >"$hierarchy/$NODE_CGROUP_ROOT/cpuset.cpus"
            cat "$hierarchy/cpuset.mems" >"$hierarchy/$NODE_CGROUP_ROOT/cpuset.mems"
        fi
    done
}

write_containerd_config() {
    local dir
    dir=$(node_dir)
    mkdir -p "$dir/cni-conf"
    cat >"$dir/cni-conf/10-kstatus-pods.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "kstatus-pods",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "kspods0",
      "isGateway": false,
      "ipMasq": false,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$POD_SUBNET"}]],
        "dataDir": "/var/lib/cni/networks"
      }
    }
  ]
}
EOF
    cat >"$dir/containerd.toml" <<EOF
version = 2
root = "$dir/containerd"
state = "/run/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "/run/containerd/containerd.sock"

[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/containerd/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # Root here lacks CAP_SYS_RESOURCE: a negative oom_score_adj (-998 for sandboxes) is refused.
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  stream_server_address = "$NODE_NETNS_IP"
  stream_server_port = "0"
  disable_apparmor = true

[plugins."io.containerd.grpc.v1.cri".containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "$dir/cni-conf"
EOF
}

write_kubelet_config() {
    local port=$1
    cat >"$(node_dir)/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_HOST_IP
port: $port
readOnlyPort: 0
healthzPort: 0
tlsCertFile: $STATE_DIR/pki/kubelet.crt
tlsPrivateKeyFile: $STATE_DIR/pki/kubelet.key
# The API server fetches pod logs from here; only local processes can reach this address.
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization: {mode: AlwaysAllow}
cgroupDriver: cgroupfs
cgroupRoot: /$NODE_CGROUP_ROOT
cgroupsPerQOS: true
failSwapOn: false
oomScoreAdj: 0
resolvConf: ""
# Pods get a resolver address as in any cluster (without one, every pod carries a
# MissingClusterDNS Warning event); nothing answers there and the node has no route out.
clusterDNS: [10.0.0.10]
clusterDomain: cluster.local
makeIPTablesUtilChains: false
nodeStatusUpdateFrequency: 2s
serializeImagePulls: false
# Benchmarks run 150 pods on this one node (the pod subnet has room for 253).
maxPods: 250
# Never garbage-collect the locally built images, never evict for a full disk on a test host.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
EOF
}

save_sysctls() {
    local key
    for key in "${KUBELET_SYSCTLS[@]}"; do
        printf '%s=%s\n' "$key" "$(sysctl -n "$key" 2>/dev/null)"
    done >"$STATE_DIR/sysctls.saved"
}

containerd_ready() { node_ctr version; }

# real_node_start KUBELET_PORT: containerd, images and the kubelet; the node registers itself.
real_node_start() {
    local port=$1 dir
    dir=$(node_dir)
    mkdir -p "$dir"
    echo real >"$STATE_DIR/node-mode"
    make_network
    make_mount_namespace
    make_cgroups
    write_containerd_config
    start_process containerd nsenter --mount="$(node_mount_ns)" --net="/run/netns/$NODE_NETNS" -- \
        containerd --config "$dir/containerd.toml"
    wait_for containerd 30 containerd_ready
    local image
    for image in "$IMAGE_DIR/pause-3.2.tar" "$IMAGE_DIR/busybox-1.36.tar"; do
        node_ctr images import --platform "linux/$(dpkg --print-architecture)" "$image" >&2
    done

    write_kubelet_config "$port"
    save_sysctls
    start_process kubelet env AWS_EC2_METADATA_DISABLED=true \
        nsenter --mount="$(node_mount_ns)" -- "$BIN_DIR/kubelet" \
        --config="$dir/kubelet.yaml" \
        --kubeconfig="$STATE_DIR/kubelet.kubeconfig" \
        --container-runtime=remote \
        --container-runtime-endpoint=unix:///run/containerd/containerd.sock \
        --image-service-endpoint=unix:///run/containerd/containerd.sock \
        --node-ip="$NODE_HOST_IP" --hostname-override="$NODE_NAME" \
        --root-dir=/var/lib/kubelet --v=2
}

# ---------------------------------------------------------------------------------------------
# stop: end every process of the node, then remove what start made

# PIDs of every process in the node's pod cgroups.
pod_pids() {
    local procs
    for procs in /sys/fs/cgroup/pids/"$NODE_CGROUP_ROOT" /sys/fs/cgroup/memory/"$NODE_CGROUP_ROOT"; do
        [[ -d $procs ]] && find "$procs" -name cgroup.procs -exec cat {} + 2>/dev/null
    done | sort -u
}

# PIDs of every process in the node's network namespace (containerd and its shims).
netns_pids() { ip netns pids "$NODE_NETNS" 2>/dev/null || true; }

kill_all() {
    local signal=$1
    shift
    local pid
    for pid in "$@"; do kill "-$signal" "$pid" 2>/dev/null || true; done
}

real_node_stop() {
    local dir pids
    dir=$(node_dir)
    stop_process kubelet
    # The pods, then containerd and its shims: all found through what this node made (its
    # cgroups and its netns), never by name.
    for _ in 1 2 3; do
        mapfile -t pids < <(pod_pids)
        ((${#pids[@]})) || break
        kill_all KILL "${pids[@]}"
        sleep 0.3
    done
    stop_process containerd
    for _ in $(seq 1 30); do
        mapfile -t pids < <(netns_pids)
        ((${#pids[@]})) || break
        kill_all KILL "${pids[@]}"
        sleep 0.2
    done

    # Mounts: the namespace's own mounts go with it once nothing runs in it.
    if [[ -e $(node_mount_ns) ]]; then
        umount "$(node_mount_ns)" 2>/dev/null || umount -l "$(node_mount_ns)" 2>/dev/null || true
    fi
    if mountpoint -q "$dir/ns" 2>/dev/null; then
        umount "$dir/ns" 2>/dev/null || umount -l "$dir/ns" 2>/dev/null || true
    fi
    if [[ -f $dir/created-dirs ]]; then
        local made
        while read -r made; do rmdir "$made" 2>/dev/null || true; done <"$dir/created-dirs"
    fi

    # Cgroups, deepest first (a cgroup with children cannot be removed).
    local hierarchy
    for hierarchy in /sys/fs/cgroup/*/; do
        [[ -d $hierarchy$NODE_CGROUP_ROOT ]] || continue
        for _ in $(seq 1 20); do
            find "$hierarchy$NODE_CGROUP_ROOT" -depth -type d -exec rmdir {} + 2>/dev/null || true
            [[ -d $hierarchy$NODE_CGROUP_ROOT ]] || break
            sleep 0.2
        done
    done

    if [[ -f $STATE_DIR/sysctls.saved ]]; then
        sysctl -q -p "$STATE_DIR/sysctls.saved" >/dev/null 2>&1 || true
    fi

    # Network: the netns takes the bridge and its veth end with it; the host end goes too. A
    # process still in it (a shim that would not die) keeps the netns, so `leftovers` shows it.
    mapfile -t pids < <(netns_pids)
    if ((${#pids[@]})); then
        log "processes still in netns $NODE_NETNS: ${pids[*]}; keeping it"
        return 0
    fi
    ip netns del "$NODE_NETNS" 2>/dev/null || true
    ip link del "$NODE_VETH_HOST" 2>/dev/null || true
}

# What of the node is still on this machine (empty when nothing is): for `down` and tests.
real_node_leftovers() {
    local hierarchy
    [[ -e /run/netns/$NODE_NETNS ]] && echo "netns $NODE_NETNS"
    ip link show "$NODE_VETH_HOST" >/dev/null 2>&1 && echo "link $NODE_VETH_HOST"
    for hierarchy in /sys/fs/cgroup/*/; do
        [[ -d $hierarchy$NODE_CGROUP_ROOT ]] && echo "cgroup $hierarchy$NODE_CGROUP_ROOT"
    done
    awk -v dir="$STATE_DIR/" 'index($5, dir) == 1 {print "mount " $5}' /proc/self/mountinfo
}
