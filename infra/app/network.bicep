// The virtual network of the private deployment (main.bicep's privateNetworking): two subnets carved out of one
// address space, and a network security group on both.
//
//   functions          Flex Consumption virtual network integration: the function app's outbound traffic, all of
//                      it (Flex routes everything through the subnet; there is no Route All setting to turn on), leaves
//                      from here. Delegated to Microsoft.App/environments, the delegation Flex Consumption requires
//                      (not Microsoft.Web/serverFarms, which the Premium and Dedicated plans use), used by nothing else,
//                      and named without underscores, which Flex does not accept in a subnet name
//                      (learn.microsoft.com/azure/azure-functions/functions-networking-options, "Regional virtual
//                      network integration" and "Subnets"). The docs recommend a /27 for one app and a /26 for several
//                      (the subnet's outbound gateways take up to 27 addresses however far the app scales); this is a
//                      /26, which leaves room for a second app.
//   private-endpoints  The private endpoints of storage (blob, queue, table), Cosmos DB, Service Bus and Azure
//                      OpenAI. Kept apart from the integration subnet, which may hold nothing else.
//
// The Microsoft.App resource provider must be registered in the subscription for the delegation (the portal and the
// CLI do it when they create a Flex app; a template cannot): see infra/README.md.

@description('Name of the virtual network.')
param name string

@description('Name of the network security group on both subnets.')
param networkSecurityGroupName string

@description('Azure region; the function app\'s (Flex Consumption integrates only with a virtual network in its own region).')
param location string

@description('Tags applied to the virtual network and the network security group.')
param tags object

@description('Address space of the virtual network, an IPv4 CIDR of /25 or larger. The functions subnet is its first /26, the private endpoints\' subnet its second; the rest stays free.')
param addressPrefix string

var functionsSubnetName = 'functions'
var privateEndpointsSubnetName = 'private-endpoints'

// Default rules only: traffic inside the virtual network and outbound traffic are allowed, inbound from the internet
// is denied (nothing here listens on it; the function app's inbound does not pass through its integration subnet).
// It is here so that both subnets have one, as the built-in Azure Policy "Subnets should be associated with a Network
// Security Group" asks, and so that an operator who must restrict outbound traffic has the place to do it.
resource networkSecurityGroup 'Microsoft.Network/networkSecurityGroups@2024-07-01' = {
  name: networkSecurityGroupName
  location: location
  tags: tags
  properties: {
    securityRules: []
  }
}

// Subnets are declared inside the virtual network, not as child resources: a redeployment of a virtual network whose
// body lists no subnets would delete them.
resource virtualNetwork 'Microsoft.Network/virtualNetworks@2024-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: functionsSubnetName
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 26, 0)
          networkSecurityGroup: {
            id: networkSecurityGroup.id
          }
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        name: privateEndpointsSubnetName
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 26, 1)
          networkSecurityGroup: {
            id: networkSecurityGroup.id
          }
          // Without it (the default, Disabled) the NSG's rules do not apply to the private endpoints' traffic.
          privateEndpointNetworkPolicies: 'NetworkSecurityGroupEnabled'
        }
      }
    ]
  }

  resource functionsSubnet 'subnets' existing = {
    name: functionsSubnetName
  }

  resource privateEndpointsSubnet 'subnets' existing = {
    name: privateEndpointsSubnetName
  }
}

output id string = virtualNetwork.id
output name string = virtualNetwork.name
output functionsSubnetId string = virtualNetwork::functionsSubnet.id
output privateEndpointsSubnetId string = virtualNetwork::privateEndpointsSubnet.id
