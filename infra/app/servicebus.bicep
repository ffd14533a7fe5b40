// Service Bus namespace carrying `label.ready` CloudEvents on the `label-events` topic.
// Standard tier is the cheapest tier with topics. SAS keys are disabled; publishers and
// subscribers use Entra ID.
//
// Publishers set MessageId to the CloudEvent id, so duplicate detection drops the repeats that
// an at-least-once Decide step can produce (retries within the window publish the same id).

@description('Name of the Service Bus namespace (6-50 characters).')
@minLength(6)
@maxLength(50)
param name string

@description('Azure region.')
param location string

@description('Tags applied to the namespace.')
param tags object

@description('Name of the topic that carries label.ready events.')
param topicName string

resource namespace 'Microsoft.ServiceBus/namespaces@2026-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource topic 'Microsoft.ServiceBus/namespaces/topics@2026-01-01' = {
  parent: namespace
  name: topicName
  properties: {
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    defaultMessageTimeToLive: 'P14D'
    maxSizeInMegabytes: 1024
    enableBatchedOperations: true
  }
}

// Example subscription that receives every event. Expired messages go to the dead-letter
// queue instead of vanishing, so a consumer that was down longer than the TTL can recover them.
resource allLabels 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2026-01-01' = {
  parent: topic
  name: 'all-labels'
  properties: {
    deadLetteringOnMessageExpiration: true
    deadLetteringOnFilterEvaluationExceptions: true
    maxDeliveryCount: 10
    lockDuration: 'PT1M'
  }
}

// Example filtered subscription: only items decided as `spam`.
resource spamOnly 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2026-01-01' = {
  parent: topic
  name: 'spam-only'
  properties: {
    deadLetteringOnMessageExpiration: true
    deadLetteringOnFilterEvaluationExceptions: true
    maxDeliveryCount: 10
    lockDuration: 'PT1M'
  }
}

// A new subscription gets a `$Default` rule with a TrueFilter, and rules are OR-ed: adding a
// second rule would still let everything through. Replacing `$Default` itself makes the SQL
// filter the only rule. `user.` scopes the name to application properties (an unqualified
// name means the same; the prefix keeps it apart from the system property sys.Label).
resource spamOnlyRule 'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules@2026-01-01' = {
  parent: spamOnly
  name: '$Default'
  properties: {
    filterType: 'SqlFilter'
    sqlFilter: {
      sqlExpression: 'user.label = \'spam\''
    }
  }
}

output name string = namespace.name
// serviceBusEndpoint is `https://<name>.servicebus.windows.net:443/` (or the sovereign-cloud
// equivalent); the SDK wants the bare host name.
output fullyQualifiedNamespace string = split(replace(namespace.properties.serviceBusEndpoint, 'https://', ''), ':')[0]
output topicName string = topic.name
