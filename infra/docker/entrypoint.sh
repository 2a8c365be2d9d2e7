#!/bin/sh
# Runs `distributed` with the given command. A silo must advertise an address other silos reach: in a container that
# is its own IP (Kubernetes sets POD_IP and Orleans' Kubernetes hosting uses it; compose does not), so it is filled
# in here unless DISTRIBUTED_Cluster__AdvertisedAddress is set.
set -eu
if [ -z "${DISTRIBUTED_Cluster__AdvertisedAddress:-}" ]; then
  DISTRIBUTED_Cluster__AdvertisedAddress="${POD_IP:-$(hostname -i | cut -d' ' -f1)}"
  export DISTRIBUTED_Cluster__AdvertisedAddress
fi
# A StatefulSet pod (infra/k8s/silo.yaml) owns GPUs ordinal*k .. ordinal*k+k-1, k = GPUS_PER_NODE: global GPU indices
# stay dense and each node's are distinct, without a per-node manifest.
if [ -z "${DISTRIBUTED_Cluster__Gpus:-}" ] && [ -n "${GPUS_PER_NODE:-}" ] && [ -n "${POD_NAME:-}" ]; then
  ordinal="${POD_NAME##*-}"
  first=$((ordinal * GPUS_PER_NODE))
  DISTRIBUTED_Cluster__Gpus="$(seq -s, "$first" $((first + GPUS_PER_NODE - 1)))"
  export DISTRIBUTED_Cluster__Gpus
fi
exec /app/distributed "$@"
