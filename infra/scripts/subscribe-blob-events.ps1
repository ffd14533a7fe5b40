# azd postdeploy hook on Windows: the PowerShell twin of subscribe-blob-events.sh (azure.yaml runs that one on Linux and
# macOS). azd picks a hook's `windows` or `posix` variant by the OS it runs on and has no fallback between them: with
# only a `posix` variant, `azd deploy` and `azd up` on Windows stop with "hook configuration for 'postdeploy' is
# invalid, run is always required". Keep the two scripts doing the same thing; subscribe-blob-events.sh has the why.
#
# Subscribes the Ingest function's Event Grid blob trigger to BlobCreated events under documents/, with events still
# undelivered after the retries dead-lettered to a blob container by the system topic's system-assigned identity. Every
# call goes to Azure Resource Manager, none to a data plane. Needs the Azure CLI, signed in to azd's subscription.
#
# Environment (azd passes its environment to hooks):
#   AZURE_RESOURCE_GROUP, AZURE_FUNCTION_APP_NAME, AZURE_BLOB_EVENTS_TOPIC_NAME,
#   AZURE_STORAGE_ACCOUNT_NAME, AZURE_BLOB_EVENTS_DEADLETTER_CONTAINER (infra outputs)
#   INGEST_FUNCTION_NAME   name of the blob-triggered function (default: Ingest)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

function Require([string] $name) {
    $value = [Environment]::GetEnvironmentVariable($name)
    if ([string]::IsNullOrEmpty($value)) {
        throw "$name is not set: run through azd (azd deploy), or set the infra outputs in the environment."
    }
    return $value
}

# Runs the Azure CLI and fails with its own message when it fails ($ErrorActionPreference does not cover native commands).
function Invoke-Az([string[]] $arguments) {
    $output = & az @arguments
    if ($LASTEXITCODE -ne 0) {
        throw "az $($arguments[0..1] -join ' ') failed (exit $LASTEXITCODE)."
    }
    return $output
}

$resourceGroup = Require 'AZURE_RESOURCE_GROUP'
$functionApp = Require 'AZURE_FUNCTION_APP_NAME'
$topicName = Require 'AZURE_BLOB_EVENTS_TOPIC_NAME'
$storageAccount = Require 'AZURE_STORAGE_ACCOUNT_NAME'
$deadLetterContainer = if ($env:AZURE_BLOB_EVENTS_DEADLETTER_CONTAINER) { $env:AZURE_BLOB_EVENTS_DEADLETTER_CONTAINER } else { 'eventgrid-deadletter' }
$functionName = if ($env:INGEST_FUNCTION_NAME) { $env:INGEST_FUNCTION_NAME } else { 'Ingest' }
$container = 'documents'
$subscriptionName = "ingest-$container"
$apiVersion = '2025-02-15'

# Every call names azd's subscription rather than changing the Azure CLI's default one for the whole machine.
$subscriptionArgs = @()
if ($env:AZURE_SUBSCRIPTION_ID) {
    $subscriptionArgs = @('--subscription', $env:AZURE_SUBSCRIPTION_ID)
}

# The key may take a few seconds to appear after the first deployment starts the host. The CLI's own error is kept,
# and shown if no attempt succeeds: a sign-in or permission failure (403) is not a missing key.
$key = ''
$errors = ''
foreach ($attempt in 1..6) {
    $output = & az functionapp keys list -g $resourceGroup -n $functionApp @subscriptionArgs --query systemKeys.blobs_extension -o tsv 2>&1
    if ($LASTEXITCODE -eq 0) {
        $key = (($output | Where-Object { $_ -is [string] }) -join '').Trim()
    }
    else {
        $errors = ($output | ForEach-Object { "$_" }) -join [Environment]::NewLine
    }

    if ($key) { break }
    Write-Host "Waiting for the blobs_extension system key (attempt $attempt)..."
    Start-Sleep -Seconds 10
}

if (-not $key) {
    [Console]::Error.WriteLine("No blobs_extension system key on $functionApp.")
    if ($errors) {
        [Console]::Error.WriteLine('The Azure CLI said:')
        [Console]::Error.WriteLine($errors)
    }
    [Console]::Error.WriteLine('If it listed the keys without blobs_extension: the blob trigger must use the Event Grid source on Flex Consumption:')
    [Console]::Error.WriteLine("  [BlobTrigger(""$container/{projectId}/{name}"", Source = BlobTriggerSource.EventGrid, Connection = ""LabelingStorage"")]")
    exit 1
}

$appHost = (Invoke-Az (@('functionapp', 'show', '-g', $resourceGroup, '-n', $functionApp, '--query', 'defaultHostName', '-o', 'tsv') + $subscriptionArgs)).Trim()
$endpoint = "https://$appHost/runtime/webhooks/blobs?functionName=Host.Functions.$functionName&code=$key"

$topicId = (Invoke-Az (@('eventgrid', 'system-topic', 'show', '-g', $resourceGroup, '-n', $topicName, '--query', 'id', '-o', 'tsv') + $subscriptionArgs)).Trim()
$storageId = (Invoke-Az (@('storage', 'account', 'show', '-g', $resourceGroup, '-n', $storageAccount, '--query', 'id', '-o', 'tsv') + $subscriptionArgs)).Trim()

$body = @{
    properties = @{
        destination                    = @{
            endpointType = 'WebHook'
            properties   = @{ endpointUrl = $endpoint }
        }
        filter                         = @{
            includedEventTypes = @('Microsoft.Storage.BlobCreated')
            subjectBeginsWith  = "/blobServices/default/containers/$container/"
        }
        retryPolicy                    = @{ maxDeliveryAttempts = 30; eventTimeToLiveInMinutes = 1440 }
        deadLetterWithResourceIdentity = @{
            identity              = @{ type = 'SystemAssigned' }
            deadLetterDestination = @{
                endpointType = 'StorageBlob'
                properties   = @{ resourceId = $storageId; blobContainerName = $deadLetterContainer }
            }
        }
    }
} | ConvertTo-Json -Depth 10

# The body holds the webhook key: a temp file of the user's own, removed at the end whatever happens.
$bodyFile = New-TemporaryFile
try {
    # UTF-8 without a byte order mark, in PowerShell 7 and in Windows PowerShell 5.1 (azd's fallback without pwsh) alike.
    [IO.File]::WriteAllText($bodyFile.FullName, $body)
    Invoke-Az (@('rest', '--method', 'put', '--url', "$topicId/eventSubscriptions/${subscriptionName}?api-version=$apiVersion", '--body', "@$bodyFile", '--output', 'none') + $subscriptionArgs) | Out-Null
}
finally {
    Remove-Item -LiteralPath $bodyFile -Force -ErrorAction SilentlyContinue
}

# The PUT is asynchronous (Event Grid validates the webhook afterwards): wait for the outcome.
$state = ''
foreach ($attempt in 1..30) {
    $state = (Invoke-Az (@('eventgrid', 'system-topic', 'event-subscription', 'show', '-g', $resourceGroup, '--system-topic-name', $topicName, '-n', $subscriptionName, '--query', 'provisioningState', '-o', 'tsv') + $subscriptionArgs)).Trim()
    if ($state -eq 'Succeeded' -or $state -eq 'Failed') { break }
    Write-Host "Waiting for event subscription $subscriptionName ($state, attempt $attempt)..."
    Start-Sleep -Seconds 5
}

if ($state -ne 'Succeeded') {
    [Console]::Error.WriteLine("Event subscription $subscriptionName ended in state '$state'.")
    exit 1
}

Write-Host "Event Grid now delivers BlobCreated for $container/ to $functionName;"
Write-Host "undeliverable events are dead-lettered to $storageAccount/$deadLetterContainer."
