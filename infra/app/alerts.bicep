// Azure Monitor alerts: operators hear about lost, stuck or failing work without watching a
// dashboard. What fires each rule, what it means and what to do first is in infra/README.md (Alerts).
//
// Metric alerts watch the platform metrics of the resources this deployment creates; every metric
// name and dimension is one listed in the Azure Monitor supported-metrics reference
// (learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/<type>-metrics). Where no
// metric exists (a message given up on and moved to `label-requests-poison`, a blob Ingest gave up on
// (`webjobs-blobtrigger-poison`), a `label.ready` event
// the outbox dead-lettered, a quarantined document, a failed invocation) a log search alert counts
// what the app writes to Application Insights: the workspace-based tables AppRequests and AppTraces
// (learn.microsoft.com/azure/azure-monitor/reference/tables/<table>). Storage has no metric per
// queue or per container (QueueMessageCount and BlobCount are account-wide), so the poison queue and
// the dead-letter container are watched through the log line and the Event Grid metric instead.
//
// Notifications go to one action group with email receivers. Without addresses there is no action
// group: the rules still evaluate and their alerts show in Azure Monitor > Alerts, and an action
// group can be attached later without touching the rules' conditions.

@description('Azure region of the log search alert rules (the workspace\'s). Metric alert rules and the action group are global.')
param location string

@description('Tags applied to the action group and every alert rule.')
param tags object

@description('Appended to every alert rule name: the deployment\'s resource token, so rules of two environments in one subscription never collide.')
param nameSuffix string

@description('Name of the action group, created only when alertEmails is not empty.')
param actionGroupName string

@description('Short name of the action group (at most 12 characters), shown as the sender of its notifications.')
@minLength(1)
@maxLength(12)
param actionGroupShortName string

@description('Email addresses notified of every alert, firing and resolved. Empty: no action group; the alerts are visible in Azure Monitor only.')
param alertEmails string[] = []

@description('Log Analytics workspace that Application Insights writes to (AppRequests, AppTraces).')
param logAnalyticsName string

@description('Service Bus namespace.')
param serviceBusNamespaceName string

@description('Topic that carries label.ready events.')
param serviceBusTopicName string

@description('Event Grid system topic of the storage account\'s blob events.')
param blobEventsTopicName string

@description('Cosmos DB account.')
param cosmosAccountName string

@description('Function app.')
param functionAppName string

// Windows both metric and log search rules accept; each is at least the largest evaluation
// frequency allowed below, as both rule types require.
type window = 'PT15M' | 'PT30M' | 'PT1H'

@description('How often every rule is evaluated. Default PT5M: a failure is reported within about ten minutes, soon enough for work that is retried for minutes (outbox) to hours (Event Grid).')
param evaluationFrequency 'PT1M' | 'PT5M' | 'PT15M' = 'PT5M'

// --- Service Bus: the label-events topic -----------------------------------------------------

@description('Dead-lettered messages in the topic\'s subscriptions (DeadletteredMessages, largest count in the window) above which the alert fires. Default 0: each one is a label.ready a consumer could not process, and an unread dead-letter queue counts toward the topic\'s size quota.')
@minValue(0)
param serviceBusDeadLetterThreshold int = 0

@description('Window of the dead-letter rule.')
param serviceBusDeadLetterWindow window = 'PT15M'

@description('Topic size in MB (Size, largest in the window) above which the alert fires. Default 800: about 80 % of the topic\'s 1,024 MB (maxSizeInMegabytes in servicebus.bicep), time to drain a stalled subscription before every send to the topic fails.')
@minValue(1)
param serviceBusTopicSizeThresholdMB int = 800

@description('Window of the topic size rule.')
param serviceBusTopicSizeWindow window = 'PT15M'

// --- Event Grid: BlobCreated events for Ingest ------------------------------------------------

@description('Failed delivery attempts of blob events (DeliveryAttemptFailCount, total in the window, per event subscription) above which the alert fires. Default 5: a cold start or a transient error stays below it; an endpoint that rejects or times out every event crosses it within minutes, long before the 24 hours of retries run out.')
@minValue(0)
param blobEventsDeliveryFailureThreshold int = 5

@description('Window of the delivery-failure rule.')
param blobEventsDeliveryFailureWindow window = 'PT15M'

@description('Dead-lettered blob events (DeadLetteredCount, total in the window, per event subscription) above which the alert fires. Default 0: each one is a file in documents/ that was never ingested.')
@minValue(0)
param blobEventsDeadLetterThreshold int = 0

@description('Window of the blob-event dead-letter rule.')
param blobEventsDeadLetterWindow window = 'PT15M'

@description('Dropped blob events (DroppedEventCount, total in the window, per event subscription) above which the alert fires. Default 0: a dropped event could not even be dead-lettered, so the only trace of the file is the blob itself.')
@minValue(0)
param blobEventsDroppedThreshold int = 0

@description('Window of the dropped-event rule.')
param blobEventsDroppedWindow window = 'PT15M'

// --- Cosmos DB -------------------------------------------------------------------------------

@description('Throttled requests (TotalRequests with StatusCode 429, count in the window) above which the alert fires. Default 50: the SDK retries a 429 itself, so a burst during the hourly re-fit stays below it; sustained throttling that callers feel as latency and failures crosses it.')
@minValue(0)
param cosmosThrottledRequestsThreshold int = 50

@description('Window of the throttling rule.')
param cosmosThrottledRequestsWindow window = 'PT15M'

// --- Function app ----------------------------------------------------------------------------

@description('HTTP server errors in the window above which the two HTTP rules fire: responses 500-599 counted by the platform (Http5xx) and the app\'s own unhandled-error log line (event 9001). Default 5: the API maps every known error to a 4xx, so a 5xx is a bug or a failing dependency; a single one from a transient dependency error stays below it.')
@minValue(0)
param functionHttp5xxThreshold int = 5

@description('Window of the two HTTP 5xx rules.')
param functionHttp5xxWindow window = 'PT15M'

@description('Failed invocations of one function (AppRequests with Success false, in the window) above which the alert fires. Default 0: queue messages and blob events are retried and every handler is idempotent, so one failure loses nothing by itself, but a healthy app has none, and the hourly re-fit timer fails at most once an hour, which any higher threshold would never see.')
@minValue(0)
param functionFailureThreshold int = 0

@description('Window of the failed-invocation rule.')
param functionFailureWindow window = 'PT15M'

// --- Application log lines that mean lost or stuck work ------------------------------------

@description('Weak-label messages given up on and moved to label-requests-poison (event 9202, in the window) above which the alert fires. Default 0: their items are stuck in weak labeling until the message is replayed.')
@minValue(0)
param weakLabelPoisonThreshold int = 0

@description('Window of the poison-queue rule.')
param weakLabelPoisonWindow window = 'PT15M'

@description('Blobs Ingest failed on at every attempt and the Functions host put in webjobs-blobtrigger-poison (event 9301, logged by IngestPoisoned, in the window) above which the alert fires. Default 0: each is a file that produced no items; IngestPoisoned quarantines it with a reason, but nobody is told otherwise. Event Grid does not see these failures (the blobs webhook answers 202 before Ingest runs), so evgt-deadlettered stays silent.')
@minValue(0)
param ingestPoisonThreshold int = 0

@description('Window of the poisoned-blob rule.')
param ingestPoisonWindow window = 'PT15M'

@description('label.ready events the outbox dead-lettered (event 5002, in the window) above which the alert fires. Default 0: each is a decision its destination never received, and nothing retries it.')
@minValue(0)
param outboxDeadLetterThreshold int = 0

@description('Window of the outbox dead-letter rule.')
param outboxDeadLetterWindow window = 'PT15M'

@description('Documents quarantined (event 2002, in the window) above which the alert fires. Default 0: a file dropped into documents/ gets no answer, so unless someone reads the project\'s document list nobody learns it produced no items.')
@minValue(0)
param quarantinedDocumentsThreshold int = 0

@description('Window of the quarantine rule. Default PT1H: quarantine is informational, and bad files trickling in over an hour keep one alert open instead of opening one every quarter hour.')
param quarantinedDocumentsWindow window = 'PT1H'

// Severities: 1 = work is lost or stuck until someone acts; 2 = something is failing and may
// lead there; 3 = informational.
var severity = {
  lost: 1
  failing: 2
  info: 3
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmails)) {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: actionGroupShortName
    enabled: true
    emailReceivers: [
      for (email, i) in alertEmails: {
        name: 'email-${i}'
        emailAddress: email
        useCommonAlertSchema: true
      }
    ]
  }
}

var actionGroupIds = empty(alertEmails) ? [] : [actionGroup.id]

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' existing = {
  name: logAnalyticsName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2026-01-01' existing = {
  name: serviceBusNamespaceName
}

resource blobEventsTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: blobEventsTopicName
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2025-10-15' existing = {
  name: cosmosAccountName
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName
}

// One static-threshold condition per metric rule. `dimensions` narrows the metric (Include with
// named values) or splits it into one alert per value (Include '*').
var metricAlerts = [
  {
    key: 'sb-deadlettered'
    scope: serviceBus.id
    severity: severity.failing
    description: 'Messages in the dead-letter queues of the ${serviceBusTopicName} topic\'s subscriptions: a consumer could not process label.ready events. See infra/README.md, Alerts.'
    metricName: 'DeadletteredMessages'
    timeAggregation: 'Maximum'
    dimensions: [
      {
        name: 'EntityName'
        operator: 'Include'
        values: [
          serviceBusTopicName
        ]
      }
    ]
    threshold: serviceBusDeadLetterThreshold
    windowSize: serviceBusDeadLetterWindow
  }
  {
    key: 'sb-topic-size'
    scope: serviceBus.id
    severity: severity.failing
    description: 'The ${serviceBusTopicName} topic is filling up: a subscription is not being read. When it reaches its size quota every send fails and label.ready events are dead-lettered in the outbox. See infra/README.md, Alerts.'
    metricName: 'Size'
    timeAggregation: 'Maximum'
    dimensions: [
      {
        name: 'EntityName'
        operator: 'Include'
        values: [
          serviceBusTopicName
        ]
      }
    ]
    threshold: serviceBusTopicSizeThresholdMB * 1024 * 1024
    windowSize: serviceBusTopicSizeWindow
  }
  {
    key: 'evgt-delivery-failures'
    scope: blobEventsTopic.id
    severity: severity.failing
    description: 'Event Grid keeps failing to deliver BlobCreated events to Ingest; it retries for 24 hours, then dead-letters them. See infra/README.md, Alerts.'
    metricName: 'DeliveryAttemptFailCount'
    timeAggregation: 'Total'
    dimensions: [
      {
        name: 'EventSubscriptionName'
        operator: 'Include'
        values: [
          '*'
        ]
      }
    ]
    threshold: blobEventsDeliveryFailureThreshold
    windowSize: blobEventsDeliveryFailureWindow
  }
  {
    key: 'evgt-deadlettered'
    scope: blobEventsTopic.id
    severity: severity.lost
    description: 'BlobCreated events were dead-lettered to the eventgrid-deadletter container: those files were never ingested. See infra/README.md, Alerts.'
    metricName: 'DeadLetteredCount'
    timeAggregation: 'Total'
    dimensions: [
      {
        name: 'EventSubscriptionName'
        operator: 'Include'
        values: [
          '*'
        ]
      }
    ]
    threshold: blobEventsDeadLetterThreshold
    windowSize: blobEventsDeadLetterWindow
  }
  {
    key: 'evgt-dropped'
    scope: blobEventsTopic.id
    severity: severity.lost
    description: 'BlobCreated events were dropped: neither delivered nor dead-lettered. Those files were never ingested and no dead letter names them. See infra/README.md, Alerts.'
    metricName: 'DroppedEventCount'
    timeAggregation: 'Total'
    dimensions: [
      {
        name: 'EventSubscriptionName'
        operator: 'Include'
        values: [
          '*'
        ]
      }
    ]
    threshold: blobEventsDroppedThreshold
    windowSize: blobEventsDroppedWindow
  }
  {
    key: 'cosmos-throttled'
    scope: cosmos.id
    severity: severity.failing
    description: 'Cosmos DB answers 429 (request rate too large) more often than the SDK\'s retries absorb. See infra/README.md, Alerts.'
    metricName: 'TotalRequests'
    timeAggregation: 'Count'
    dimensions: [
      {
        name: 'StatusCode'
        operator: 'Include'
        values: [
          '429'
        ]
      }
    ]
    threshold: cosmosThrottledRequestsThreshold
    windowSize: cosmosThrottledRequestsWindow
  }
  {
    key: 'func-http-5xx'
    scope: functionApp.id
    severity: severity.failing
    description: 'The HTTP API answers with server errors (5xx). See infra/README.md, Alerts.'
    metricName: 'Http5xx'
    timeAggregation: 'Total'
    dimensions: []
    threshold: functionHttp5xxThreshold
    windowSize: functionHttp5xxWindow
    // The reference lists Http5xx for every function app but not per hosting plan, and a rule on a
    // metric the resource does not define fails the whole deployment. Skipping the check keeps
    // `azd provision` working either way; the api-unhandled-errors log rule covers the same
    // failures from the app's side (infra/README.md, Alerts).
    skipMetricValidation: true
  }
]

resource metricRules 'Microsoft.Insights/metricAlerts@2018-03-01' = [
  for rule in metricAlerts: {
    name: 'alert-${rule.key}-${nameSuffix}'
    location: 'global'
    tags: tags
    properties: {
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [
        rule.scope
      ]
      evaluationFrequency: evaluationFrequency
      windowSize: rule.windowSize
      autoMitigate: true
      criteria: {
        'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
        allOf: [
          {
            criterionType: 'StaticThresholdCriterion'
            name: rule.metricName
            metricName: rule.metricName
            dimensions: rule.dimensions
            operator: 'GreaterThan'
            threshold: rule.threshold
            timeAggregation: rule.timeAggregation
            // Part of the 2018-03-01 API (Microsoft's metric alert template samples set it) but
            // missing from Bicep's type definitions, hence the informational BCP187.
            #disable-next-line BCP187
            skipMetricValidation: rule.?skipMetricValidation ?? false
          }
        ]
      }
      actions: [
        for id in actionGroupIds: {
          actionGroupId: id
        }
      ]
    }
  }
]

// Log search rules over the workspace. Each query returns one numeric column, summed over the
// window (timeAggregation Total); sum(ItemCount) counts what adaptive sampling kept as the number
// of records it stands for. Messages are matched on the fixed text of the app's [LoggerMessage]
// templates (src/**, event ids in the descriptions), not on their placeholders.
var logAlerts = [
  {
    key: 'func-failures'
    severity: severity.failing
    description: 'Invocations of a function failed (an exception escaped it). The alert names the function in the FunctionName dimension. See infra/README.md, Alerts.'
    query: 'AppRequests\n| where Success == false\n| summarize Failures = sum(ItemCount) by FunctionName = Name'
    measure: 'Failures'
    dimensions: [
      {
        name: 'FunctionName'
        operator: 'Include'
        values: [
          '*'
        ]
      }
    ]
    threshold: functionFailureThreshold
    windowSize: functionFailureWindow
  }
  {
    key: 'api-unhandled-errors'
    severity: severity.failing
    description: 'The HTTP API answered requests with 500 after an unexpected exception (event 9001); every 5xx the app itself returns is one of these. See infra/README.md, Alerts.'
    query: 'AppTraces\n| where Message startswith "Unhandled error on "\n| summarize Errors = sum(ItemCount)'
    measure: 'Errors'
    dimensions: []
    threshold: functionHttp5xxThreshold
    windowSize: functionHttp5xxWindow
  }
  {
    key: 'weaklabel-poisoned'
    severity: severity.lost
    description: 'Weak-label messages failed their last attempt and went to the label-requests-poison queue (event 9202): their items are stuck in weak labeling. See infra/README.md, Alerts.'
    query: 'AppTraces\n| where Message startswith "Weak-label message " and Message contains "goes to label-requests-poison"\n| summarize Poisoned = sum(ItemCount)'
    measure: 'Poisoned'
    dimensions: []
    threshold: weakLabelPoisonThreshold
    windowSize: weakLabelPoisonWindow
  }
  {
    key: 'ingest-poisoned'
    severity: severity.lost
    description: 'Ingest failed on files at every attempt and the host put them in the webjobs-blobtrigger-poison queue (event 9301): they produced no items, and IngestPoisoned moved them to the quarantine container with a reason. See infra/README.md, Alerts.'
    query: 'AppTraces\n| where Message startswith "Blob trigger gave up on " and Message contains "webjobs-blobtrigger-poison"\n| summarize Poisoned = sum(ItemCount)'
    measure: 'Poisoned'
    dimensions: []
    threshold: ingestPoisonThreshold
    windowSize: ingestPoisonWindow
  }
  {
    key: 'outbox-deadlettered'
    severity: severity.lost
    description: 'label.ready events were dead-lettered by the outbox after their last delivery attempt (event 5002): consumers never received those decisions. See infra/README.md, Alerts.'
    query: 'AppTraces\n| where Message startswith "Event " and Message contains " dead-lettered for "\n| summarize DeadLettered = sum(ItemCount)'
    measure: 'DeadLettered'
    dimensions: []
    threshold: outboxDeadLetterThreshold
    windowSize: outboxDeadLetterWindow
  }
  {
    key: 'documents-quarantined'
    severity: severity.info
    description: 'Documents were quarantined instead of ingested (event 2002): they produced no items. See infra/README.md, Alerts.'
    query: 'AppTraces\n| where Message startswith "Quarantined document "\n| summarize Quarantined = sum(ItemCount)'
    measure: 'Quarantined'
    dimensions: []
    threshold: quarantinedDocumentsThreshold
    windowSize: quarantinedDocumentsWindow
  }
]

resource logRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in logAlerts: {
    name: 'alert-${rule.key}-${nameSuffix}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: 'alert-${rule.key}-${nameSuffix}'
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [
        workspace.id
      ]
      evaluationFrequency: evaluationFrequency
      windowSize: rule.windowSize
      autoMitigate: true
      // AppRequests and AppTraces appear in the workspace with the app's first telemetry, which is
      // after this deployment; validation would reject a query over a table that does not exist yet.
      skipQueryValidation: true
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: 'Total'
            metricMeasureColumn: rule.measure
            dimensions: rule.dimensions
            operator: 'GreaterThan'
            threshold: rule.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      actions: {
        actionGroups: actionGroupIds
      }
    }
  }
]
