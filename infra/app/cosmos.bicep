// Cosmos DB for NoSQL, serverless, Entra ID only (no account keys).
//
// Partition keys are constants on purpose: changing one means recreating the container and
// migrating data, so it must never be a deployment parameter. The rule behind every choice:
// no logical partition grows with the size of a project (a logical partition is capped at
// 20 GB and a physical partition serves ~10k RU/s, so a key like /projectId would put a whole
// large project behind one hot partition). Reads and writes are point operations
// (id + partition key) or queries inside one partition, which is also what keeps RU cost low.
//
//   projects  /id      one document per project: configuration, label set, budgets.
//   items     /id      one document per item, carrying projectId as a property. Point reads by
//                      item id on every vote; never a per-project partition.
//   votes     /itemId  all votes of one item together: the online update and the audit of a
//                      decision read them in one single-partition query. Bounded by the
//                      project's vote budget per item.
//   labelers  /id      labeler reliability statistics. Machine labelers vote on every item, so
//                      their statistics are sharded: document id `{projectId}:{labelerId}:{shard}`,
//                      each shard its own logical partition, summed on read. No single hot
//                      document is updated per vote.
//   leases    /id      crowd task leases (`lease:{leaseId}`), each worker's open-lease pointer
//                      (`open:{projectId}:{workerId}`) and stored answers to idempotent requests
//                      (`idem:{hash}`): point documents, each its own logical partition.
//                      defaultTtl -1: a used lease and a stored answer carry a ttl (Cosmos:UsedLeaseRetention,
//                      Cosmos:IdempotencyRetention, 7 days) and expire; released leases and pointers stay.
//   index     /partition  small index entries under synthetic keys, so per-project listings are
//                      a few single-partition queries instead of cross-partition ones: an item's
//                      state entry in `{projectId}:items:{bucket}` (bucket = hash(itemId) mod N),
//                      document records in `{projectId}:documents`, the labeler registry in
//                      `{projectId}:labelers`, events not yet delivered in `outbox:pending`
//                      (transient, so one partition), settled ones in `outbox:{bucket}`.
//                      defaultTtl -1 turns on per-item ttl without a default expiry: delivered
//                      outbox events carry a ttl and expire; everything else stays.

@description('Name of the Cosmos DB account (3-44 lowercase letters, digits, hyphens).')
@minLength(3)
@maxLength(44)
param name string

@description('Azure region.')
param location string

@description('Tags applied to the account.')
param tags object

@description('Name of the SQL database.')
param databaseName string

@description('Close the public endpoint: the account is then reached only through its private endpoint (main.bicep, privateNetworking).')
param privateNetworking bool = false

// Indexing: each container indexes only what a query filters on. Items, projects, labelers' statistics and leases
// are read by id only (id is indexed in every consistent policy, which the labelers' `c.id IN (...)` uses); votes
// are listed by item (`c.itemId`, the partition key, which a policy does not index by itself); the index
// container's entries are filtered on several fields, so it keeps the default policy. Every write to a
// container that excludes `/*` skips maintaining an index of its whole document: items are rewritten and
// labelers' shards patched on every vote. CosmosDatabase.Containers (the emulator's set-up) holds the same.
var pointReadsOnly = {
  includedPaths: []
  excludedPaths: [
    { path: '/*' }
  ]
}

var containers = [
  {
    name: 'projects'
    partitionKeyPath: '/id'
    perItemTtl: false
    indexing: pointReadsOnly
  }
  {
    name: 'items'
    partitionKeyPath: '/id'
    perItemTtl: false
    indexing: pointReadsOnly
  }
  {
    name: 'votes'
    partitionKeyPath: '/itemId'
    perItemTtl: false
    indexing: {
      includedPaths: [
        { path: '/itemId/?' }
      ]
      excludedPaths: [
        { path: '/*' }
      ]
    }
  }
  {
    name: 'labelers'
    partitionKeyPath: '/id'
    perItemTtl: false
    indexing: pointReadsOnly
  }
  {
    name: 'leases'
    partitionKeyPath: '/id'
    perItemTtl: true
    indexing: pointReadsOnly
  }
  {
    name: 'index'
    partitionKeyPath: '/partition'
    perItemTtl: true
    indexing: {
      includedPaths: [
        { path: '/*' }
      ]
      excludedPaths: [
        { path: '/"_etag"/?' }
      ]
    }
  }
]

resource account 'Microsoft.DocumentDB/databaseAccounts@2025-10-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: {
      // Session consistency gives read-your-writes for the ETag-checked read-modify-write
      // cycles on items and labeler shards at the lowest RU cost.
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    capabilities: [
      {
        name: 'EnableServerless'
      }
    ]
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    // With privateNetworking only the private endpoint (group Sql) reaches the data plane; the portal's Data Explorer
    // and a developer's machine outside the virtual network do not (infra/README.md).
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2025-10-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
  }
}

// Serverless accounts take no throughput settings on databases or containers.
resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-10-15' = [
  for container in containers: {
    parent: database
    name: container.name
    properties: {
      resource: {
        id: container.name
        partitionKey: {
          paths: [
            container.partitionKeyPath
          ]
          kind: 'Hash'
          version: 2
        }
        defaultTtl: container.perItemTtl ? -1 : null
        indexingPolicy: {
          indexingMode: 'consistent'
          automatic: true
          includedPaths: container.indexing.includedPaths
          excludedPaths: container.indexing.excludedPaths
        }
      }
    }
  }
]

output name string = account.name
output id string = account.id
output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
