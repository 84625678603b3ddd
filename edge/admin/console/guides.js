// Per-IdP setup guides: the steps to connect the IdP to this service, its
// attribute mappings (SCIM attribute -> the IdP's name), and what we know of
// its behaviour. Shown on a tenant's page for the IdP it was created with.
export const PROVIDERS = [
  ['okta', 'Okta'], ['entra', 'Microsoft Entra ID'], ['jumpcloud', 'JumpCloud'],
  ['onelogin', 'OneLogin'], ['ping', 'Ping Identity'], ['google', 'Google Workspace'],
  ['sailpoint', 'SailPoint'], ['lumos', 'Lumos'], ['other', 'Other'],
];

const COMMON_STEPS = (app) => [
  `In ${app}, add a SCIM 2.0 provisioning app (or connector) for this service.`,
  'Set the SCIM base URL (tenant URL) to the base URL above.',
  'Create an API key here and paste it as the bearer token (HTTP header "Authorization: Bearer <key>").',
  'Test the connection in the IdP, then assign users and push groups.',
];

export const GUIDES = {
  okta: {
    steps: [
      'Admin console → Applications → Browse App Catalog → "SCIM 2.0 Test App (Header Auth)", or your app → General → Provisioning: SCIM.',
      'SCIM connector base URL: the base URL above. Unique identifier field for users: userName.',
      'Supported provisioning actions: Push New Users, Push Profile Updates, Push Groups. Authentication mode: HTTP Header; paste an API key as the Bearer token.',
      'Test Connector Configuration, Save, then To App: enable Create Users, Update User Attributes, Deactivate Users.',
    ],
    mappings: [
      ['userName', 'login'], ['name.givenName', 'firstName'], ['name.familyName', 'lastName'],
      ['emails[type eq "work"].value', 'email'], ['displayName', 'displayName'],
      ['active', '(managed by assignment)'], ['phoneNumbers[type eq "mobile"].value', 'mobilePhone'],
      ['addresses[type eq "work"].locality', 'city'], ['title', 'title'],
      ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', 'department'],
    ],
    notes: [
      'Okta gives a request 60 seconds; this service answers well within that.',
      'Deactivation is a PATCH or PUT with "active": false; deletion in Okta only deactivates.',
      'Group pushes PATCH members with add/remove operations.',
    ],
  },
  entra: {
    steps: [
      'Entra admin center → Enterprise applications → New application → Create your own (non-gallery).',
      'Provisioning → Automatic. Tenant URL: the base URL above; Secret Token: an API key from here. Test Connection.',
      'Mappings: check the user and group attribute mappings (below), then Start provisioning.',
    ],
    mappings: [
      ['userName', 'userPrincipalName'], ['active', 'Switch([IsSoftDeleted], , "False", "True", "True", "False")'],
      ['displayName', 'displayName'], ['emails[type eq "work"].value', 'mail'],
      ['name.givenName', 'givenName'], ['name.familyName', 'surname'],
      ['title', 'jobTitle'], ['addresses[type eq "work"].locality', 'city'],
      ['externalId', 'mailNickname'],
      ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', 'department'],
    ],
    notes: [
      'Entra sends PATCH operations with capitalised "op" values (Add, Replace, Remove) and booleans as strings; both are accepted.',
      'Custom attributes go under urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User; declare them with scimctl schema put.',
      'Entra queries users with a filter on userName and groups with displayName eq.',
    ],
  },
  jumpcloud: {
    steps: COMMON_STEPS('JumpCloud (SSO → your application → Identity Management)'),
    mappings: [['userName', 'email'], ['name.givenName', 'firstname'], ['name.familyName', 'lastname'],
               ['emails[type eq "work"].value', 'email'], ['addresses[type eq "work"].locality', 'city']],
    notes: ['JumpCloud deactivates with "active": false before it deletes.'],
  },
  onelogin: {
    steps: COMMON_STEPS('OneLogin (Applications → SCIM Provisioner with SAML, SCIM v2 Enterprise)'),
    mappings: [['userName', 'Username'], ['name.givenName', 'First Name'], ['name.familyName', 'Last Name'],
               ['emails[type eq "work"].value', 'Email'], ['addresses[type eq "work"].locality', 'City']],
    notes: ['Set "SCIM JSON Template" to include the enterprise extension if you map department.'],
  },
  ping: {
    steps: COMMON_STEPS('PingOne (Integrations → Provisioning → SCIM outbound connection)'),
    mappings: [['userName', 'Username'], ['name.givenName', 'Given Name'], ['name.familyName', 'Family Name'],
               ['emails[type eq "work"].value', 'Email Address'], ['addresses[type eq "work"].locality', 'Locality']],
    notes: ['Choose "OAuth 2 Bearer Token" authentication and paste an API key.'],
  },
  google: {
    steps: [
      'Google Workspace provisions over SCIM only to apps its catalog lists for automated provisioning: a custom SAML app has no Auto-provisioning section. Where it has none, provision from an IdP that pushes SCIM (Okta, Microsoft Entra ID, JumpCloud, …), with Google as its source.',
      'Where it has one: Admin console → Apps → Web and mobile apps → the app → Auto-provisioning → Set up.',
      'Access token: create an API key here and paste it. Endpoint URL: the base URL above.',
      'Google probes GET /Users; then review the attribute mapping, choose the scope (groups or organizational units) and the deprovisioning rules, and turn auto-provisioning on.',
    ],
    mappings: [['userName', 'Primary email'], ['name.givenName', 'First name'], ['name.familyName', 'Last name'],
               ['emails[type eq "work"].value', 'Primary email'], ['addresses[type eq "work"].locality', 'Address locality']],
    notes: ['Google syncs every few hours, not at once.',
            'Its catalog and edition limit which apps can be provisioned (Business Starter: 3 apps).'],
  },
  sailpoint: {
    steps: COMMON_STEPS('SailPoint Identity Security Cloud (Sources → SCIM 2.0 connector)'),
    mappings: [['userName', 'accountName'], ['name.givenName', 'firstname'], ['name.familyName', 'lastname'],
               ['emails[type eq "work"].value', 'email'], ['roles', 'entitlements: roles']],
    notes: ['SailPoint aggregates users and groups with paged lists (startIndex, count).'],
  },
  lumos: {
    steps: COMMON_STEPS('Lumos (Integrations → SCIM)'),
    mappings: [['userName', 'email'], ['roles', 'role assignments'], ['entitlements', 'entitlements'],
               ['groups', 'groups (sync across as roles if "groups as roles" is on)']],
    notes: ['Lumos syncs roles; internal services read them with IdentityService.GetUserAccess.'],
  },
  other: {
    steps: COMMON_STEPS('your identity provider'),
    mappings: [['userName', 'the unique login name'], ['name.givenName', 'first name'],
               ['name.familyName', 'last name'], ['emails[type eq "work"].value', 'work email'],
               ['active', 'account enabled']],
    notes: ['Any SCIM 2.0 client (RFC 7643/7644) works; /ServiceProviderConfig, /Schemas and /ResourceTypes describe what this service supports.'],
  },
};
