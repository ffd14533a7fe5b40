// One private endpoint for one sub-resource of one service, with the private DNS zone that makes the service's usual
// host name resolve to it inside the virtual network.
//
// Clients keep the public host names (AzureWebJobsStorage__blobServiceUri, Cosmos__Endpoint, ...): public DNS answers
// them with a CNAME into the privatelink zone, and inside the virtual network that zone, linked here, holds the private
// endpoint's address (the zone group writes and removes the A records with the endpoint). Zone names are those of
// learn.microsoft.com/azure/private-link/private-endpoint-dns; each zone serves one endpoint here, as that page asks.

@description('Name of the private endpoint; its network interface is named after it.')
param name string

@description('Azure region of the private endpoint: the virtual network\'s, whatever the target\'s region.')
param location string

@description('Tags applied to the private endpoint, the private DNS zone and its virtual network link.')
param tags object

@description('Subnet the private endpoint takes its address from.')
param subnetId string

@description('Virtual network the private DNS zone is linked to.')
param virtualNetworkId string

@description('Resource id of the service the endpoint connects to.')
param targetResourceId string

@description('Sub-resource (group id) of the target: blob, queue, table, Sql, namespace, account.')
param groupId string

@description('Private DNS zone for that sub-resource, e.g. privatelink.blob.core.windows.net.')
param privateDnsZoneName string

resource privateDnsZone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: privateDnsZoneName
  location: 'global'
  tags: tags
}

// Without the link the virtual network would keep resolving the public address, and the (then closed) public
// endpoint would refuse the app.
resource virtualNetworkLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: privateDnsZone
  name: last(split(virtualNetworkId, '/'))
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: virtualNetworkId
    }
  }
}

resource privateEndpoint 'Microsoft.Network/privateEndpoints@2024-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    subnet: {
      id: subnetId
    }
    customNetworkInterfaceName: '${name}-nic'
    privateLinkServiceConnections: [
      {
        name: name
        properties: {
          privateLinkServiceId: targetResourceId
          groupIds: [
            groupId
          ]
        }
      }
    ]
  }
}

resource dnsZoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-07-01' = {
  parent: privateEndpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: replace(privateDnsZoneName, '.', '-')
        properties: {
          privateDnsZoneId: privateDnsZone.id
        }
      }
    ]
  }
}

output id string = privateEndpoint.id
