#!/usr/bin/env bash
# azd postdeploy hook: subscribes the Ingest function's Event Grid blob trigger to BlobCreated
# events under documents/.
#
# Why a hook and not Bicep: the webhook URL carries the host's `blobs_extension` system key,
# which the Functions host creates only once code with an Event Grid-source blob trigger has
# been deployed and started. Creating the subscription is an idempotent PUT, so re-running
# azd deploy is safe. Needs the Azure CLI, signed in to the same subscription as azd.
#
# Environment (azd passes its environment to hooks):
#   AZURE_RESOURCE_GROUP, AZURE_FUNCTION_APP_NAME, AZURE_BLOB_EVENTS_TOPIC_NAME (infra outputs)
#   INGEST_FUNCTION_NAME   name of the blob-triggered function (default: Ingest)
set -euo pipefail

: "${AZURE_RESOURCE_GROUP:?run through azd (azd deploy), or export the infra outputs}"
: "${AZURE_FUNCTION_APP_NAME:?}"
: "${AZURE_BLOB_EVENTS_TOPIC_NAME:?}"
function_name="${INGEST_FUNCTION_NAME:-Ingest}"
container="documents"

if [[ -n "${AZURE_SUBSCRIPTION_ID:-}" ]]; then
  az account set --subscription "${AZURE_SUBSCRIPTION_ID}"
fi

# The key may take a few seconds to appear after the first deployment starts the host.
key=""
for attempt in 1 2 3 4 5 6; do
  key="$(az functionapp keys list -g "${AZURE_RESOURCE_GROUP}" -n "${AZURE_FUNCTION_APP_NAME}" \
    --query systemKeys.blobs_extension -o tsv 2>/dev/null || true)"
  [[ -n "${key}" ]] && break
  echo "Waiting for the blobs_extension system key (attempt ${attempt})..."
  sleep 10
done
if [[ -z "${key}" ]]; then
  echo "No blobs_extension system key on ${AZURE_FUNCTION_APP_NAME}." >&2
  echo "The blob trigger must use the Event Grid source on Flex Consumption:" >&2
  echo "  [BlobTrigger(\"${container}/{name}\", Source = BlobTriggerSource.EventGrid, Connection = \"Storage\")]" >&2
  exit 1
fi

host="$(az functionapp show -g "${AZURE_RESOURCE_GROUP}" -n "${AZURE_FUNCTION_APP_NAME}" \
  --query defaultHostName -o tsv)"
endpoint="https://${host}/runtime/webhooks/blobs?functionName=Host.Functions.${function_name}&code=${key}"

az eventgrid system-topic event-subscription create \
  --resource-group "${AZURE_RESOURCE_GROUP}" \
  --system-topic-name "${AZURE_BLOB_EVENTS_TOPIC_NAME}" \
  --name "ingest-${container}" \
  --endpoint-type webhook \
  --endpoint "${endpoint}" \
  --included-event-types Microsoft.Storage.BlobCreated \
  --subject-begins-with "/blobServices/default/containers/${container}/" \
  --max-delivery-attempts 30 \
  --event-ttl 1440 \
  --output none

echo "Event Grid now delivers BlobCreated for ${container}/ to ${function_name}."
