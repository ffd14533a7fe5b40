// Service Bus namespace carrying `label.ready` CloudEvents on the `label-events` topic.
// Standard tier is the cheapest tier with topics. SAS keys are disabled; publishers and
// subscribers use Entra ID.
//
// With privateNetworking the namespace is Premium, the only tier with private endpoints
// (learn.microsoft.com/azure/service-bus-messaging/private-link-service), with one messaging unit and its public
// endpoint closed. Everything below is valid on Premium as it is: duplicate detection and its 3-hour window, the
// 14-day time to live, a 1,024 MB topic (Premium accepts 1 to 80 GB; the sb-topic-size alert in alerts.bicep counts on
// 1,024), batched store access, and the subscriptions with their SQL rule. No express entity (which Premium does not
// support) is declared. A namespace does not change tier in place: Standard to Premium is a
// migration to a second namespace (learn.microsoft.com/azure/service-bus-messaging/service-bus-migrate-standard-premium)
// and Premium to Standard does not exist, so switching an existing environment fails here (infra/README.md).
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

@description('Create the example subscriptions `all-labels` and `spam-only`. Nothing in this repository reads them; deploy them only to try the topic out.')
param deployExampleSubscriptions bool = false

@description('Premium tier (one messaging unit, billed by the hour whether or not anything is sent: several hundred US dollars a month, see the Service Bus pricing page) with the public endpoint closed, for a private endpoint (main.bicep, privateNetworking). False: Standard, reachable from any network with Entra ID.')
param privateNetworking bool = false

resource namespace 'Microsoft.ServiceBus/namespaces@2026-01-01' = {
  name: name
  location: location
  tags: tags
  sku: privateNetworking
    ? {
        name: 'Premium'
        tier: 'Premium'
        capacity: 1
      }
    : {
        name: 'Standard'
        tier: 'Standard'
      }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
  }
}

resource topic 'Microsoft.ServiceBus/namespaces/topics@2026-01-01' = {
  parent: namespace
  name: topicName
  properties: {
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT3H' // longer than the outbox retries a failing publish (about 2.4 h at the defaults)
    defaultMessageTimeToLive: 'P14D'
    maxSizeInMegabytes: 1024
    enableBatchedOperations: true
  }
}

// Example subscriptions, off by default: nothing reads them, and unread messages sit in a
// subscription until they expire. Expired messages are therefore dropped rather than
// dead-lettered (an unread dead-letter queue grows toward the topic's size quota, and then sends
// to the topic fail), and a subscription nobody has received from for a week deletes itself.
// A real consumer creates its own subscription with dead-lettering on (see infra/README.md).
var exampleSubscriptionProperties = {
  deadLetteringOnMessageExpiration: false
  deadLetteringOnFilterEvaluationExceptions: true
  maxDeliveryCount: 10
  lockDuration: 'PT1M'
  autoDeleteOnIdle: 'P7D'
}

// Receives every event.
resource allLabels 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2026-01-01' = if (deployExampleSubscriptions) {
  parent: topic
  name: 'all-labels'
  properties: exampleSubscriptionProperties
}

// Filtered: only items decided as `spam`.
resource spamOnly 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2026-01-01' = if (deployExampleSubscriptions) {
  parent: topic
  name: 'spam-only'
  properties: exampleSubscriptionProperties
}

// A new subscription gets a `$Default` rule with a TrueFilter, and rules are OR-ed: adding a
// second rule would still let everything through. Replacing `$Default` itself makes the SQL
// filter the only rule. `user.` scopes the name to application properties (an unqualified
// name means the same; the prefix keeps it apart from the system property sys.Label).
resource spamOnlyRule 'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules@2026-01-01' = if (deployExampleSubscriptions) {
  parent: spamOnly
  name: '$Default'
  properties: {
    filterType: 'SqlFilter'
    sqlFilter: {
      // A label that replaces an earlier one carries `revises`: without it the subscription never hears an item left spam.
      sqlExpression: 'user.label = \'spam\' OR user.revises IS NOT NULL'
    }
  }
}

output name string = namespace.name
output id string = namespace.id
// serviceBusEndpoint is `https://<name>.servicebus.windows.net:443/` (or the sovereign-cloud
// equivalent); the SDK wants the bare host name.
output fullyQualifiedNamespace string = split(replace(namespace.properties.serviceBusEndpoint, 'https://', ''), ':')[0]
output topicName string = topic.name
