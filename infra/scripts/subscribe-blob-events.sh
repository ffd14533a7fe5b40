#!/usr/bin/env bash
# azd postdeploy hook: subscribes the Ingest function's Event Grid blob trigger to BlobCreated
# events under documents/.
#
# Why a hook and not Bicep: the webhook URL carries the host's `blobs_extension` system key,
# which the Functions host creates only once code with an Event Grid-source blob trigger has
# been deployed and started. Creating the subscription is an idempotent PUT, so re-running
# azd deploy is safe. Needs the Azure CLI, signed in to the same subscription as azd.
#
# Events still undelivered after the retries are dead-lettered to a blob container, written with
# the system topic's managed identity (shared keys are off on the account). `az eventgrid
# system-topic event-subscription create` has no identity-based dead-letter options (only the
# generic `az eventgrid event-subscription create` does), so the subscription is PUT through the
# ARM REST API (Microsoft.EventGrid/systemTopics/eventSubscriptions) with `az rest`. The identity is the
# topic's system-assigned one: with PRIVATE_NETWORKING the storage firewall lets Event Grid through as a
# trusted service only with a system-assigned identity (infra/app/eventgrid.bicep).
#
# Every call here goes to Azure Resource Manager (keys, host name, ids, the subscription), none to a
# data plane, so the hook works from outside the virtual network when PRIVATE_NETWORKING is on.
#
# Environment (azd passes its environment to hooks):
#   AZURE_RESOURCE_GROUP, AZURE_FUNCTION_APP_NAME, AZURE_BLOB_EVENTS_TOPIC_NAME,
#   AZURE_STORAGE_ACCOUNT_NAME, AZURE_BLOB_EVENTS_DEADLETTER_CONTAINER (infra outputs)
#   INGEST_FUNCTION_NAME   name of the blob-triggered function (default: Ingest)
set -euo pipefail

: "${AZURE_RESOURCE_GROUP:?run through azd (azd deploy), or export the infra outputs}"
: "${AZURE_FUNCTION_APP_NAME:?}"
: "${AZURE_BLOB_EVENTS_TOPIC_NAME:?}"
: "${AZURE_STORAGE_ACCOUNT_NAME:?}"
deadletter_container="${AZURE_BLOB_EVENTS_DEADLETTER_CONTAINER:-eventgrid-deadletter}"
function_name="${INGEST_FUNCTION_NAME:-Ingest}"
container="documents"
subscription_name="ingest-${container}"
api_version="2025-02-15"

if [[ -n "${AZURE_SUBSCRIPTION_ID:-}" ]]; then
  az account set --subscription "${AZURE_SUBSCRIPTION_ID}"
fi

# The key may take a few seconds to appear after the first deployment starts the host. The CLI's
# own error is kept, and shown if no attempt succeeds: a sign-in or permission failure (403) is not
# a missing key.
key=""
errors="$(mktemp)"
for attempt in 1 2 3 4 5 6; do
  key="$(az functionapp keys list -g "${AZURE_RESOURCE_GROUP}" -n "${AZURE_FUNCTION_APP_NAME}" \
    --query systemKeys.blobs_extension -o tsv 2>"${errors}" || true)"
  [[ -n "${key}" ]] && break
  echo "Waiting for the blobs_extension system key (attempt ${attempt})..."
  sleep 10
done
if [[ -z "${key}" ]]; then
  echo "No blobs_extension system key on ${AZURE_FUNCTION_APP_NAME}." >&2
  if [[ -s "${errors}" ]]; then
    echo "The Azure CLI said:" >&2
    cat "${errors}" >&2
  fi
  echo "If it listed the keys without blobs_extension: the blob trigger must use the Event Grid source on Flex Consumption:" >&2
  echo "  [BlobTrigger(\"${container}/{projectId}/{name}\", Source = BlobTriggerSource.EventGrid, Connection = \"LabelingStorage\")]" >&2
  rm -f "${errors}"
  exit 1
fi
rm -f "${errors}"

host="$(az functionapp show -g "${AZURE_RESOURCE_GROUP}" -n "${AZURE_FUNCTION_APP_NAME}" \
  --query defaultHostName -o tsv)"
endpoint="https://${host}/runtime/webhooks/blobs?functionName=Host.Functions.${function_name}&code=${key}"

topic_id="$(az eventgrid system-topic show -g "${AZURE_RESOURCE_GROUP}" -n "${AZURE_BLOB_EVENTS_TOPIC_NAME}" \
  --query id -o tsv)"
storage_id="$(az storage account show -g "${AZURE_RESOURCE_GROUP}" -n "${AZURE_STORAGE_ACCOUNT_NAME}" \
  --query id -o tsv)"

# The body holds the webhook key: mktemp makes the file private to the user; it goes on exit.
body="$(mktemp)"
trap 'rm -f "${body}"' EXIT
cat >"${body}" <<JSON
{
  "properties": {
    "destination": {
      "endpointType": "WebHook",
      "properties": { "endpointUrl": "${endpoint}" }
    },
    "filter": {
      "includedEventTypes": ["Microsoft.Storage.BlobCreated"],
      "subjectBeginsWith": "/blobServices/default/containers/${container}/"
    },
    "retryPolicy": { "maxDeliveryAttempts": 30, "eventTimeToLiveInMinutes": 1440 },
    "deadLetterWithResourceIdentity": {
      "identity": { "type": "SystemAssigned" },
      "deadLetterDestination": {
        "endpointType": "StorageBlob",
        "properties": { "resourceId": "${storage_id}", "blobContainerName": "${deadletter_container}" }
      }
    }
  }
}
JSON

az rest --method put \
  --url "${topic_id}/eventSubscriptions/${subscription_name}?api-version=${api_version}" \
  --body "@${body}" \
  --output none

# The PUT is asynchronous (Event Grid validates the webhook afterwards): wait for the outcome.
state=""
for attempt in $(seq 1 30); do
  state="$(az eventgrid system-topic event-subscription show -g "${AZURE_RESOURCE_GROUP}" \
    --system-topic-name "${AZURE_BLOB_EVENTS_TOPIC_NAME}" -n "${subscription_name}" \
    --query provisioningState -o tsv)"
  [[ "${state}" == "Succeeded" || "${state}" == "Failed" ]] && break
  echo "Waiting for event subscription ${subscription_name} (${state}, attempt ${attempt})..."
  sleep 5
done
if [[ "${state}" != "Succeeded" ]]; then
  echo "Event subscription ${subscription_name} ended in state '${state}'." >&2
  exit 1
fi

echo "Event Grid now delivers BlobCreated for ${container}/ to ${function_name};"
echo "undeliverable events are dead-lettered to ${AZURE_STORAGE_ACCOUNT_NAME}/${deadletter_container}."
