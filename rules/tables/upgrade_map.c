/*
 * upgrade_map.c - DSTU2/STU3 -> R4 renames, moves and value maps per
 * resource type (see upgrade_map.h).  Hand-written from the facts of the
 * official FHIR R2->R3 and R3->R4 conversion pages.
 *
 * Invariant: within a type, CODE rows precede the CC/FN rows that read the
 * same member, and the TYPE row comes last.
 */
#include "upgrade_map.h"

#define THO "http://terminology.hl7.org/CodeSystem/"
#define D2 S4S_UP_DSTU2
#define S3 S4S_UP_STU3
#define BOTH S4S_UP_BOTH

const s4s_up_row s4s_up_rows[] = {
    /* Patient */
    {D2, S4S_UP_RENAME, "Patient", "careProvider", "generalPractitioner", NULL},
    {D2, S4S_UP_EXT, "Patient", "animal", "", NULL},
    {D2, S4S_UP_FN, "Patient", "name", "family-string", NULL},
    {D2, S4S_UP_FN, "Patient", "contact.name", "family-string", NULL},

    /* AllergyIntolerance */
    {D2, S4S_UP_RENAME, "AllergyIntolerance", "substance", "code", NULL},
    {D2, S4S_UP_RENAME, "AllergyIntolerance", "reporter", "asserter", NULL},
    {D2, S4S_UP_RENAME, "AllergyIntolerance", "onset", "onsetDateTime", NULL},
    {D2, S4S_UP_RENAME, "AllergyIntolerance", "lastOccurence", "lastOccurrence", NULL},
    {D2, S4S_UP_FN, "AllergyIntolerance", "status", "allergy-status", NULL},
    {D2, S4S_UP_CODE, "AllergyIntolerance", "criticality", "CRITL", "low"},
    {D2, S4S_UP_CODE, "AllergyIntolerance", "criticality", "CRITH", "high"},
    {D2, S4S_UP_CODE, "AllergyIntolerance", "criticality", "CRITU", "unable-to-assess"},
    {D2, S4S_UP_LIST, "AllergyIntolerance", "category", NULL, NULL},
    {D2, S4S_UP_LIST, "AllergyIntolerance", "note", NULL, NULL},
    {D2, S4S_UP_EXT, "AllergyIntolerance", "reaction.certainty", "Code", NULL},
    {D2, S4S_UP_LIST, "AllergyIntolerance", "reaction.note", NULL, NULL},
    {S3, S4S_UP_RENAME, "AllergyIntolerance", "assertedDate", "recordedDate", NULL},
    {S3, S4S_UP_CC, "AllergyIntolerance", "clinicalStatus", THO "allergyintolerance-clinical", NULL},
    {S3, S4S_UP_CC, "AllergyIntolerance", "verificationStatus", THO "allergyintolerance-verification", NULL},

    /* Condition */
    {D2, S4S_UP_RENAME, "Condition", "patient", "subject", NULL},
    {D2, S4S_UP_RENAME, "Condition", "dateRecorded", "recordedDate", NULL},
    {D2, S4S_UP_NOTE, "Condition", "notes", "note", NULL},
    {D2, S4S_UP_CODE, "Condition", "verificationStatus", "unknown", "unconfirmed"},
    {BOTH, S4S_UP_CC, "Condition", "clinicalStatus", THO "condition-clinical", NULL},
    {BOTH, S4S_UP_CC, "Condition", "verificationStatus", THO "condition-ver-status", NULL},
    {D2, S4S_UP_LIST, "Condition", "category", NULL, NULL},
    {D2, S4S_UP_RENAME, "Condition", "abatementQuantity", "abatementAge", NULL},
    {D2, S4S_UP_RENAME, "Condition", "onsetQuantity", "onsetAge", NULL},
    {D2, S4S_UP_EXT, "Condition", "abatementBoolean", "Boolean", NULL},
    {D2, S4S_UP_LIST, "Condition", "evidence.code", NULL, NULL},
    {S3, S4S_UP_RENAME, "Condition", "context", "encounter", NULL},
    {S3, S4S_UP_RENAME, "Condition", "assertedDate", "recordedDate", NULL},

    /* MedicationOrder (DSTU2) -> MedicationRequest */
    {D2, S4S_UP_RENAME, "MedicationOrder", "patient", "subject", NULL},
    {D2, S4S_UP_RENAME, "MedicationOrder", "dateWritten", "authoredOn", NULL},
    {D2, S4S_UP_RENAME, "MedicationOrder", "prescriber", "requester", NULL},
    {D2, S4S_UP_LIST, "MedicationOrder", "reasonCodeableConcept", "reasonCode", NULL},
    {D2, S4S_UP_LIST, "MedicationOrder", "reasonReference", NULL, NULL},
    {D2, S4S_UP_NOTE, "MedicationOrder", "note", "note", NULL},
    {D2, S4S_UP_EXT, "MedicationOrder", "dateEnded", "DateTime", NULL},
    {D2, S4S_UP_EXT, "MedicationOrder", "reasonEnded", "CodeableConcept", NULL},
    {D2, S4S_UP_FN, "MedicationOrder", "dosageInstruction", "dose-and-rate", NULL},
    {D2, S4S_UP_EXT, "MedicationOrder", "dispenseRequest.medicationCodeableConcept", "CodeableConcept", NULL},
    {D2, S4S_UP_EXT, "MedicationOrder", "dispenseRequest.medicationReference", "Reference", NULL},
    {D2, S4S_UP_RENAME, "MedicationOrder", "substitution.type", "allowedCodeableConcept", NULL},
    {D2, S4S_UP_RENAME, "MedicationOrder", "dosageInstruction.timing.repeat.periodUnits", "periodUnit", NULL},
    {D2, S4S_UP_RENAME, "MedicationOrder", "dosageInstruction.timing.repeat.durationUnits", "durationUnit", NULL},
    {D2, S4S_UP_ADD, "MedicationOrder", "", "intent", "order"},
    {D2, S4S_UP_TYPE, "MedicationOrder", "", "MedicationRequest", NULL},
    {S3, S4S_UP_RENAME, "MedicationRequest", "context", "encounter", NULL},
    {S3, S4S_UP_EXT, "MedicationRequest", "definition", "Reference", NULL},

    /* MedicationStatement */
    {D2, S4S_UP_RENAME, "MedicationStatement", "patient", "subject", NULL},
    {D2, S4S_UP_FN, "MedicationStatement", "wasNotTaken", "not-taken", NULL},
    {D2, S4S_UP_RENAME, "MedicationStatement", "reasonNotTaken", "statusReason", NULL},
    {D2, S4S_UP_LIST, "MedicationStatement", "reasonForUseCodeableConcept", "reasonCode", NULL},
    {D2, S4S_UP_LIST, "MedicationStatement", "reasonForUseReference", "reasonReference", NULL},
    {D2, S4S_UP_RENAME, "MedicationStatement", "supportingInformation", "derivedFrom", NULL},
    {D2, S4S_UP_NOTE, "MedicationStatement", "note", "note", NULL},
    {D2, S4S_UP_FN, "MedicationStatement", "dosage", "dose-and-rate", NULL},
    {D2, S4S_UP_RENAME, "MedicationStatement", "dosage.timing.repeat.periodUnits", "periodUnit", NULL},
    {D2, S4S_UP_RENAME, "MedicationStatement", "dosage.timing.repeat.durationUnits", "durationUnit", NULL},
    {S3, S4S_UP_RENAME, "MedicationStatement", "context", "encounter", NULL},
    {S3, S4S_UP_RENAME, "MedicationStatement", "reasonNotTaken", "statusReason", NULL},
    {S3, S4S_UP_EXT, "MedicationStatement", "taken", "Code", NULL},

    /* MedicationDispense */
    {D2, S4S_UP_RENAME, "MedicationDispense", "patient", "subject", NULL},
    {D2, S4S_UP_FN, "MedicationDispense", "dispenser", "performer-actor", NULL},
    {D2, S4S_UP_NOTE, "MedicationDispense", "note", "note", NULL},
    {D2, S4S_UP_FN, "MedicationDispense", "dosageInstruction", "dose-and-rate", NULL},
    {D2, S4S_UP_RENAME, "MedicationDispense", "dosageInstruction.timing.repeat.periodUnits", "periodUnit", NULL},
    {D2, S4S_UP_RENAME, "MedicationDispense", "dosageInstruction.timing.repeat.durationUnits", "durationUnit", NULL},

    /* Immunization */
    {BOTH, S4S_UP_RENAME, "Immunization", "date", "occurrenceDateTime", NULL},
    {D2, S4S_UP_FN, "Immunization", "wasNotGiven", "not-done", NULL},
    {S3, S4S_UP_FN, "Immunization", "notGiven", "not-done", NULL},
    {D2, S4S_UP_FN, "Immunization", "reported", "primary-source", NULL},
    {D2, S4S_UP_FN, "Immunization", "performer", "performer-actor", NULL},
    {D2, S4S_UP_EXT, "Immunization", "requester", "Reference", NULL},
    {D2, S4S_UP_RENAME, "Immunization", "explanation.reason", "reasonCode", NULL},
    {D2, S4S_UP_ONE, "Immunization", "explanation.reasonNotGiven", "statusReason", NULL},
    {D2, S4S_UP_EXT, "Immunization", "vaccinationProtocol", "", NULL},
    {D2, S4S_UP_FN, "Immunization", "explanation", "hoist", NULL},

    /* Observation */
    {D2, S4S_UP_LIST, "Observation", "category", NULL, NULL},
    {D2, S4S_UP_NOTE, "Observation", "comments", "note", NULL},
    {D2, S4S_UP_RENAME, "Observation", "referenceRange.meaning", "type", NULL},
    {BOTH, S4S_UP_FN, "Observation", "related", "observation-related", NULL},
    {S3, S4S_UP_RENAME, "Observation", "context", "encounter", NULL},
    {S3, S4S_UP_NOTE, "Observation", "comment", "note", NULL},

    /* DiagnosticReport */
    {D2, S4S_UP_LIST, "DiagnosticReport", "category", NULL, NULL},
    {D2, S4S_UP_LIST, "DiagnosticReport", "performer", NULL, NULL},
    {D2, S4S_UP_RENAME, "DiagnosticReport", "request", "basedOn", NULL},
    {BOTH, S4S_UP_RENAME, "DiagnosticReport", "codedDiagnosis", "conclusionCode", NULL},
    {BOTH, S4S_UP_RENAME, "DiagnosticReport", "image", "media", NULL},
    {S3, S4S_UP_RENAME, "DiagnosticReport", "context", "encounter", NULL},

    /* Procedure */
    {D2, S4S_UP_RENAME, "Procedure", "patient", "subject", NULL},
    {D2, S4S_UP_CODE, "Procedure", "status", "aborted", "stopped"},
    {BOTH, S4S_UP_FN, "Procedure", "notPerformed", "not-done", NULL},
    {D2, S4S_UP_ONE, "Procedure", "reasonNotPerformed", "statusReason", NULL},
    {D2, S4S_UP_LIST, "Procedure", "reasonCodeableConcept", "reasonCode", NULL},
    {D2, S4S_UP_LIST, "Procedure", "reasonReference", NULL, NULL},
    {D2, S4S_UP_RENAME, "Procedure", "performer.role", "function", NULL},
    {D2, S4S_UP_RENAME, "Procedure", "notes", "note", NULL},
    {D2, S4S_UP_LIST, "Procedure", "request", "basedOn", NULL},
    {S3, S4S_UP_RENAME, "Procedure", "context", "encounter", NULL},
    {S3, S4S_UP_EXT, "Procedure", "definition", "Reference", NULL},

    /* DocumentReference */
    {D2, S4S_UP_EXT, "DocumentReference", "created", "DateTime", NULL},
    {BOTH, S4S_UP_RENAME, "DocumentReference", "indexed", "date", NULL},
    {BOTH, S4S_UP_LIST, "DocumentReference", "class", "category", NULL},
    {D2, S4S_UP_LIST, "DocumentReference", "context.encounter", NULL, NULL},

    /* Encounter */
    {D2, S4S_UP_RENAME, "Encounter", "patient", "subject", NULL},
    {D2, S4S_UP_FN, "Encounter", "class", "encounter-class", NULL},
    {D2, S4S_UP_RENAME, "Encounter", "incomingReferral", "basedOn", NULL},
    {D2, S4S_UP_RENAME, "Encounter", "reason", "reasonCode", NULL},
    {D2, S4S_UP_EXT, "Encounter", "fulfills", "Reference", NULL},
    {D2, S4S_UP_EXT, "Encounter", "indication", "Reference", NULL},
    {S3, S4S_UP_RENAME, "Encounter", "incomingReferral", "basedOn", NULL},

    /* Organization, Practitioner */
    {BOTH, S4S_UP_LIST, "Organization", "type", NULL, NULL},
    {D2, S4S_UP_LIST, "Practitioner", "name", NULL, NULL},
    {D2, S4S_UP_FN, "Practitioner", "name", "family-string", NULL},
    {D2, S4S_UP_EXT, "Practitioner", "practitionerRole", "", NULL},

    /* Device */
    {D2, S4S_UP_NOTE, "Device", "udi", "udiCarrier", "carrierHRF"},
    {D2, S4S_UP_CODE, "Device", "status", "available", "active"},
    {D2, S4S_UP_CODE, "Device", "status", "not-available", "inactive"},
    {D2, S4S_UP_RENAME, "Device", "model", "modelNumber", NULL},
    {D2, S4S_UP_RENAME, "Device", "expiry", "expirationDate", NULL},

    /* CarePlan */
    {D2, S4S_UP_RENAME, "CarePlan", "patient", "subject", NULL},
    {BOTH, S4S_UP_CODE, "CarePlan", "status", "proposed", "draft"},
    {D2, S4S_UP_CODE, "CarePlan", "status", "cancelled", "revoked"},
    {D2, S4S_UP_EXT, "CarePlan", "participant", "", NULL},
    {BOTH, S4S_UP_ADD, "CarePlan", "", "intent", "plan"},
    {S3, S4S_UP_RENAME, "CarePlan", "context", "encounter", NULL},

    /* Goal (STU3) */
    {S3, S4S_UP_RENAME, "Goal", "status", "lifecycleStatus", NULL},
};
const size_t s4s_up_n_rows = sizeof s4s_up_rows / sizeof s4s_up_rows[0];

const s4s_up_system s4s_up_systems[] = {
    {"http://hl7.org/fhir/condition-category", THO "condition-category"},
    {"http://hl7.org/fhir/condition-clinical", THO "condition-clinical"},
    {"http://hl7.org/fhir/condition-ver-status", THO "condition-ver-status"},
    {"http://hl7.org/fhir/allergy-clinical-status", THO "allergyintolerance-clinical"},
    {"http://hl7.org/fhir/allergy-verification-status", THO "allergyintolerance-verification"},
    {"http://hl7.org/fhir/observation-category", THO "observation-category"},
    {"http://hl7.org/fhir/medication-statement-category", THO "medication-statement-category"},
    {"http://hl7.org/fhir/medication-request-category", THO "medicationrequest-category"},
    {"http://hl7.org/fhir/goal-category", THO "goal-category"},
    {"http://hl7.org/fhir/care-plan-activity-category", THO "care-plan-activity-category"},
    {"http://hl7.org/fhir/immunization-origin", THO "immunization-origin"},
    {"http://hl7.org/fhir/reaction-event-certainty", THO "reaction-event-certainty"},
    {"http://hl7.org/fhir/observation-statistics", THO "observation-statistics"},
    {"http://hl7.org/fhir/referencerange-meaning", THO "referencerange-meaning"},
};
const size_t s4s_up_n_systems = sizeof s4s_up_systems / sizeof s4s_up_systems[0];
