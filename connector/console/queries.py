"""The GraphQL documents the console sends to each node's ``/audit/graphql``."""

HOME = """
query ConsoleHome {
  node { name title participant }
  auditChain { ok entries badEntry }
}"""

DATASETS = """
query ConsoleDatasets($lang: String!) {
  node { name title }
  datasets(lang: $lang) {
    id iri title description publisher personalData policyIri policy policyStatus
    sentences { rule kind text }
    versions { version sha256 since policy }
  }
}"""

REGISTER = """
query ConsoleRegister($lang: String!) {
  processingRegister(lang: $lang) {
    kind dataset datasetTitle controller { iri label } purposes { iri label }
    legalBasis { iri label } dataCategories dataSubjects recipients { iri label }
    retention retentionIso transfers securityMeasures
    controllerContact dpdContact rights jointControllers { iri label } processors sources
    created updated dpia dpiaDate
  }
  retention { dataset datasetTitle entity field cutoff state overdueRows oldest retentionIso }
}"""

CHOICES = """
query ConsoleChoices($lang: String!) {
  labels(lang: $lang) { iri label }
  purposes(lang: $lang) { iri label }
  datasets(lang: $lang) { id title sentences { rule text } }
}"""

LOG = """
query ConsoleLog($filter: AuditFilterInput, $first: Int!, $after: Int) {
  auditCounts(filter: $filter) {
    total permit deny
    byParty { key label permit deny total }
    byDataset { key label permit deny total }
  }
  auditLog(filter: $filter, first: $first, after: $after, newestFirst: true) {
    entries { seq time node party clientId purpose datasets decision rule reason reasonCode }
    hasNextPage
  }
}"""

AGREEMENTS = """
query ConsoleAgreements($lang: String!) {
  agreements(lang: $lang) {
    iri party { iri label } dataset datasetTitle offer purpose { iri label } issued duties
    sentences { rule kind text }
  }
}"""

EXPORT = """
query ConsoleExport($format: ExportFormat!, $filter: AuditFilterInput) {
  auditExport(format: $format, filter: $filter)
}"""

INTEGRITY = """
query ConsoleIntegrity {
  auditChain { ok entries headSeq headHash problem badEntry }
}"""

WHAT_IF = """
query ConsoleWhatIf(
  $party: String!, $dataset: String!, $purpose: String, $action: String!, $level: String
) {
  whatIf(
    party: $party, dataset: $dataset, purpose: $purpose, action: $action,
    aggregationLevel: $level
  ) {
    decision reason reasonCode policy rule duties
  }
}"""
