// The catalogue's control cases on the job calls: Add, Unschedule, Acknowledge and Reschedule.
#include "tests/e2e/malformed_requests_support.h"

namespace orch::e2e {
namespace {

constexpr char kTime[] = "2031-02-01T03:00:00Z";

json AddBody() {
  return {{"CertificateId", 1},
          {"CertificateStores", {{{"CertificateStoreId", "$STORE"}}}},
          {"Schedule", {{"Immediate", true}}}};
}

// An Add whose one member is `value`.
std::string AddWith(const std::string& member, const json& value) {
  json body = AddBody();
  body[member] = value;
  return body.dump();
}

// An Add whose one store entry has `member` set to `value`.
std::string AddStoreWith(const std::string& member, const json& value) {
  json body = AddBody();
  body["CertificateStores"][0][member] = value;
  return body.dump();
}

std::vector<MalformedCase> AddCases() {
  const std::string path = "/CertificateStores/Certificates/Add";
  const std::string stores = "CertificateStores";
  const std::string entry = "CertificateStores[0].";
  json no_certificate = AddBody();
  no_certificate.erase("CertificateId");
  json no_stores = AddBody();
  no_stores.erase(stores);
  struct Sched {
    std::string name;
    json schedule;
    std::string field;
  };
  const std::vector<Sched> schedules = {
      {"Empty", json::object(), "Schedule"},
      {"TwoMembers", {{"Immediate", true}, {"Interval", {{"Minutes", 5}}}}, "Schedule"},
      {"UnknownKind", {{"Fortnightly", {{"Time", kTime}}}}, "Schedule.Fortnightly"},
      {"NotAnObject", "daily", "Schedule"},
      {"IntervalZero", {{"Interval", {{"Minutes", 0}}}}, "Schedule.Interval.Minutes"},
      {"IntervalNegative", {{"Interval", {{"Minutes", -5}}}}, "Schedule.Interval.Minutes"},
      {"IntervalOverAYear", {{"Interval", {{"Minutes", 525601}}}}, "Schedule.Interval.Minutes"},
      {"IntervalString", {{"Interval", {{"Minutes", "5"}}}}, "Schedule.Interval.Minutes"},
      {"IntervalFraction", {{"Interval", {{"Minutes", 1.5}}}}, "Schedule.Interval.Minutes"},
      {"IntervalMissingMinutes", {{"Interval", json::object()}}, "Schedule.Interval.Minutes"},
      {"ExactlyOnceBadTime",
       {{"ExactlyOnce", {{"Time", "tomorrow"}}}},
       "Schedule.ExactlyOnce.Time"},
      {"ExactlyOnceTimeNumber", {{"ExactlyOnce", {{"Time", 5}}}}, "Schedule.ExactlyOnce.Time"},
      {"DailyMissingTime", {{"Daily", json::object()}}, "Schedule.Daily.Time"},
      {"DailyMonth13", {{"Daily", {{"Time", "2031-13-01T03:00:00Z"}}}}, "Schedule.Daily.Time"},
      {"DailyUnknownTimeZone",
       {{"Daily", {{"Time", kTime}, {"TimeZone", "Mars/Olympus"}}}},
       "Schedule.Daily.TimeZone"},
      {"WeeklyDaySeven", {{"Weekly", {{"Days", {7}}, {"Time", kTime}}}}, "Schedule.Weekly.Days"},
      {"WeeklyNoDays",
       {{"Weekly", {{"Days", json::array()}, {"Time", kTime}}}},
       "Schedule.Weekly.Days"},
      {"WeeklyDaysString",
       {{"Weekly", {{"Days", "Mon"}, {"Time", kTime}}}},
       "Schedule.Weekly.Days"},
      {"MonthlyDayZero", {{"Monthly", {{"Day", 0}, {"Time", kTime}}}}, "Schedule.Monthly.Day"},
      {"MonthlyDay32", {{"Monthly", {{"Day", 32}, {"Time", kTime}}}}, "Schedule.Monthly.Day"},
  };
  std::vector<MalformedCase> cases = {
      ControlPost("Add_NotJson", path, "{\"CertificateId\": 1,", 400, "JSON_FORMAT_ERROR"),
      ControlPost("Add_NestedTooDeep", path, NestedObjects(65), 400, "JSON_FORMAT_ERROR"),
      ControlPost("Add_InvalidUtf8", path, AddStoreWith("Alias", "x") + "\xc3", 400,
                  "JSON_FORMAT_ERROR"),
      ControlPost("Add_BodyIsArray", path, "[1]", 400, "FIELD_ERROR", "body"),
      ControlPost("Add_MissingCertificateId", path, no_certificate.dump(), 400, "FIELD_ERROR",
                  "CertificateId"),
      ControlPost("Add_CertificateIdString", path, AddWith("CertificateId", "1"), 400,
                  "FIELD_ERROR", "CertificateId"),
      ControlPost("Add_CertificateIdZero", path, AddWith("CertificateId", 0), 400, "FIELD_ERROR",
                  "CertificateId"),
      ControlPost("Add_CertificateIdNegative", path, AddWith("CertificateId", -1), 400,
                  "FIELD_ERROR", "CertificateId"),
      ControlPost("Add_CertificateIdUnknown", path, AddWith("CertificateId", 999), 404,
                  "API_ERROR"),
      ControlPost("Add_MissingStores", path, no_stores.dump(), 400, "FIELD_ERROR", stores),
      ControlPost("Add_StoresEmpty", path, AddWith(stores, json::array()), 400, "FIELD_ERROR",
                  stores),
      ControlPost("Add_StoresString", path, AddWith(stores, "x"), 400, "FIELD_ERROR", stores),
      ControlPost("Add_StoreEntryNotObject", path, AddWith(stores, json::array({"x"})), 400,
                  "FIELD_ERROR", "CertificateStores[0]"),
      ControlPost("Add_StoreIdMissing", path, AddWith(stores, json::array({json::object()})), 400,
                  "FIELD_ERROR", entry + "CertificateStoreId"),
      ControlPost("Add_StoreIdNotAGuid", path, AddStoreWith("CertificateStoreId", "web01"), 400,
                  "FIELD_ERROR", entry + "CertificateStoreId"),
      ControlPost("Add_StoreIdUnknown", path, AddStoreWith("CertificateStoreId", kUnknownGuid), 404,
                  "API_ERROR"),
      ControlPost("Add_OverwriteString", path, AddStoreWith("Overwrite", "no"), 400, "FIELD_ERROR",
                  entry + "Overwrite"),
      ControlPost("Add_IncludePrivateKeyNumber", path, AddStoreWith("IncludePrivateKey", 1), 400,
                  "FIELD_ERROR", entry + "IncludePrivateKey"),
      ControlPost("Add_AliasNumber", path, AddStoreWith("Alias", 5), 400, "FIELD_ERROR",
                  entry + "Alias"),
      ControlPost("Add_JobFieldsString", path, AddStoreWith("JobFields", "x"), 400, "FIELD_ERROR",
                  entry + "JobFields"),
      ControlPost("Add_PfxPasswordNumber", path, AddStoreWith("PfxPassword", 5), 400, "FIELD_ERROR",
                  entry + "PfxPassword"),
      ControlPost("Add_PrivateKeyOfKeylessCertificate", path,
                  AddStoreWith("IncludePrivateKey", true), 400, "VALIDATION_ERROR"),
      ControlPost("Add_CollectionIdString", path, AddWith("CollectionId", "web"), 400,
                  "FIELD_ERROR", "CollectionId"),
      ControlPost("Add_MissingSchedule", path, AddWith("Schedule", nullptr), 400, "FIELD_ERROR",
                  "Schedule"),
      ControlPost("Add_DuplicateCertificateId", path,
                  "{\"CertificateId\":1,\"CertificateId\":2,\"Schedule\":{\"Immediate\":true}}",
                  400, "FIELD_ERROR", "CertificateId"),
      ControlPost("Add_DuplicateMemberOtherCase", path,
                  "{\"CertificateId\":1,\"certificateid\":1,\"Schedule\":{\"Immediate\":true}}",
                  400, "FIELD_ERROR", "certificateid"),
      ControlPost("Add_DuplicateInStoreEntry", path,
                  "{\"CertificateId\":1,\"CertificateStores\":[{\"CertificateStoreId\":"
                  "\"$STORE\",\"Alias\":\"a\",\"Alias\":\"b\"}],\"Schedule\":{\"Immediate\":true}}",
                  400, "FIELD_ERROR", "Alias"),
      ControlPost("Add_CertificateIdPastJsonSafe", path, AddWith("CertificateId", int64_t{1} << 53),
                  400, "FIELD_ERROR", "CertificateId"),
      ControlPost("Add_CollectionIdZero", path, AddWith("CollectionId", 0), 400, "FIELD_ERROR",
                  "CollectionId"),
      ControlPost("Add_AliasOver255", path, AddStoreWith("Alias", std::string(256, 'a')), 400,
                  "FIELD_ERROR", entry + "Alias"),
      ControlPost("Add_AliasEscapedNul", path, AddStoreWith("Alias", std::string("a\0b", 3)), 400,
                  "FIELD_ERROR", "Alias"),
      ControlPost("Add_AliasInvalidUtf8", path,
                  "{\"CertificateId\":1,\"CertificateStores\":[{\"CertificateStoreId\":"
                  "\"$STORE\",\"Alias\":\"\xed\xa0\x80\"}],\"Schedule\":{\"Immediate\":true}}",
                  400, "JSON_FORMAT_ERROR"),
      ControlPost("Add_JobFieldsValueOver4096", path,
                  AddStoreWith("JobFields", {{"k", std::string(4097, 'v')}}), 400, "FIELD_ERROR",
                  entry + "JobFields.k"),
      ControlPost("Add_PfxPasswordOver4096", path,
                  AddStoreWith("PfxPassword", std::string(4097, 'p')), 400, "FIELD_ERROR",
                  entry + "PfxPassword"),
      ControlPost(
          "Add_StoresOver1000", path,
          AddWith(stores, json(std::vector<json>(1001, {{"CertificateStoreId", "$STORE"}}))), 400,
          "FIELD_ERROR", stores),
  };
  for (const Sched& s : schedules) {
    cases.push_back(ControlPost("AddSchedule_" + s.name, path, AddWith("Schedule", s.schedule), 400,
                                "FIELD_ERROR", s.field));
  }
  return cases;
}

std::vector<MalformedCase> UnscheduleCases() {
  const std::string path = "/OrchestratorJobs/Unschedule";
  return {
      ControlPost("Unschedule_NotJson", path, "{\"JobIds\":[", 400, "JSON_FORMAT_ERROR"),
      ControlPost("Unschedule_BodyIsArray", path, json::array({kUnknownGuid}).dump(), 400,
                  "FIELD_ERROR", "body"),
      ControlPost("Unschedule_Empty", path, "{}", 400, "FIELD_ERROR"),
      ControlPost("Unschedule_IdsAndQuery", path,
                  json{{"JobIds", {kUnknownGuid}}, {"Query", "Alias -eq \"x\""}}.dump(), 400,
                  "FIELD_ERROR"),
      ControlPost("Unschedule_IdsString", path, "{\"JobIds\":\"x\"}", 400, "FIELD_ERROR", "JobIds"),
      ControlPost("Unschedule_IdNotAGuid", path, "{\"JobIds\":[\"job-1\"]}", 400, "FIELD_ERROR",
                  "JobIds[0]"),
      ControlPost("Unschedule_IdNumber", path, "{\"JobIds\":[1]}", 400, "FIELD_ERROR", "JobIds[0]"),
      {"Unschedule_IdUnknown", Target::kControl, "POST", path,
       json{{"JobIds", {kUnknownGuid}}}.dump(), 404, "API_ERROR", "", kUnknownGuid},
      ControlPost("Unschedule_QueryNumber", path, "{\"Query\":5}", 400, "FIELD_ERROR", "Query"),
      ControlPost("Unschedule_QueryUnknownField", path, "{\"Query\":\"Nope -eq 1\"}", 400,
                  "FIELD_ERROR", "Query"),
      ControlPost(
          "Unschedule_QueryTooDeep", path,
          json{{"Query", std::string(33, '(') + "Alias -eq \"x\"" + std::string(33, ')')}}.dump(),
          400, "FIELD_ERROR", "Query"),
      ControlPost("Unschedule_QueryOver4096", path,
                  json{{"Query", "Alias -eq \"" + std::string(4096, 'x') + "\""}}.dump(), 400,
                  "FIELD_ERROR", "Query"),
      ControlPost("Unschedule_DuplicateJobIds", path,
                  "{\"JobIds\":[\"" + std::string(kUnknownGuid) + "\"],\"JobIds\":[]}", 400,
                  "FIELD_ERROR", "JobIds"),
      ControlPost("Unschedule_IdsOver10000", path,
                  json{{"JobIds", std::vector<std::string>(10001, kUnknownGuid)}}.dump(), 400,
                  "FIELD_ERROR", "JobIds"),
  };
}

// Acknowledge and Reschedule take the same body.
std::vector<MalformedCase> RunCases(const std::string& verb) {
  const std::string path = "/OrchestratorJobs/" + verb;
  return {
      ControlPost(verb + "_NotJson", path, "{\"JobAuditIds\":[1,]}", 400, "JSON_FORMAT_ERROR"),
      ControlPost(verb + "_NestedTooDeep", path, NestedObjects(65), 400, "JSON_FORMAT_ERROR"),
      ControlPost(verb + "_BodyIsArray", path, "[1]", 400, "FIELD_ERROR", "body"),
      ControlPost(verb + "_Empty", path, "{}", 400, "FIELD_ERROR"),
      ControlPost(verb + "_IdsAndQuery", path, "{\"JobAuditIds\":[1],\"Query\":\"Attempt -eq 1\"}",
                  400, "FIELD_ERROR"),
      ControlPost(verb + "_IdsString", path, "{\"JobAuditIds\":\"1\"}", 400, "FIELD_ERROR",
                  "JobAuditIds"),
      ControlPost(verb + "_IdString", path, "{\"JobAuditIds\":[\"1\"]}", 400, "FIELD_ERROR",
                  "JobAuditIds[0]"),
      ControlPost(verb + "_IdZero", path, "{\"JobAuditIds\":[0]}", 400, "FIELD_ERROR",
                  "JobAuditIds[0]"),
      ControlPost(verb + "_IdNegative", path, "{\"JobAuditIds\":[-3]}", 400, "FIELD_ERROR",
                  "JobAuditIds[0]"),
      ControlPost(verb + "_IdUnknown", path, "{\"JobAuditIds\":[999]}", 404, "API_ERROR"),
      ControlPost(verb + "_QueryUnknownField", path, "{\"Query\":\"Nope -eq 1\"}", 400,
                  "FIELD_ERROR", "Query"),
      ControlPost(verb + "_QueryBadResult", path, "{\"Query\":\"Result -eq \\\"Great\\\"\"}", 400,
                  "FIELD_ERROR", "Query"),
      ControlPost(verb + "_IdPastJsonSafe", path, "{\"JobAuditIds\":[9007199254740992]}", 400,
                  "FIELD_ERROR", "JobAuditIds[0]"),
      ControlPost(verb + "_IdPastUint64", path, "{\"JobAuditIds\":[18446744073709551616]}", 400,
                  "FIELD_ERROR", "JobAuditIds[0]"),
      ControlPost(verb + "_DuplicateQuery", path,
                  "{\"Query\":\"Attempt -eq 1\",\"QUERY\":\"Attempt -eq 2\"}", 400, "FIELD_ERROR",
                  "QUERY"),
  };
}

}  // namespace

std::vector<MalformedCase> ControlJobCases() {
  std::vector<MalformedCase> cases = AddCases();
  for (std::vector<MalformedCase> part :
       {UnscheduleCases(), RunCases("Acknowledge"), RunCases("Reschedule")}) {
    for (MalformedCase& c : part) cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace orch::e2e
