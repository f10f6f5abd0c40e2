//! The org's REST API as our app uses it, answering as Salesforce does: bearer access
//! tokens that expire (`401 INVALID_SESSION_ID`), a daily API limit per org (`403
//! REQUEST_LIMIT_EXCEEDED`), SOQL over `/query` (the statement shapes `SELECT fields FROM
//! object [WHERE field op literal] [ORDER BY field [ASC|DESC]] [LIMIT n]`, records with
//! their `attributes` and parent relationships as nested objects; an unknown column is
//! `INVALID_FIELD`, anything else it cannot read `MALFORMED_QUERY`), and `PATCH` of an
//! Opportunity (`204`, no body).

use super::{
    Salesforce,
    org::{ADDRESS_PARTS, CUSTOM_FIELDS, Session, SfOpportunity, address_prefixes},
};
use axum::{
    Json,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// Salesforce's REST error body: `[{"message", "errorCode"}]`.
pub fn rest_error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!([{ "message": message, "errorCode": code }]))).into_response()
}

/// The session of a request's bearer token, counted against its org's daily limit.
pub fn authorized(sf: &Salesforce, headers: &HeaderMap) -> Result<Session, Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("OAuth ")))
        .unwrap_or_default();
    let mut data = sf.data();
    let session = match data.sessions.get(token) {
        Some(session) if session.expires_ms > sf.clock.now_ms() => session.clone(),
        _ => return Err(rest_error(StatusCode::UNAUTHORIZED, "INVALID_SESSION_ID", "Session expired or invalid")),
    };
    let calls = data.api_calls.entry(session.org_id.clone()).or_default();
    if *calls >= sf.settings.api_limit {
        return Err(rest_error(StatusCode::FORBIDDEN, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."));
    }
    *calls += 1;
    Ok(session)
}

/// The session of an API request to `/services/data/{version}/...`: a version this org
/// serves, then [`authorized`].
fn api_session(sf: &Salesforce, version: &str, headers: &HeaderMap) -> Result<Session, Response> {
    if !known_version(version) {
        return Err(not_found());
    }
    authorized(sf, headers)
}

fn known_version(version: &str) -> bool {
    version
        .strip_prefix('v')
        .and_then(|v| v.split_once('.'))
        .is_some_and(|(major, minor)| major.parse::<u32>().is_ok_and(|m| (20..=66).contains(&m)) && minor == "0")
}

fn not_found() -> Response {
    rest_error(StatusCode::NOT_FOUND, "NOT_FOUND", "The requested resource does not exist")
}

/// `CreatedDate` as Salesforce writes it.
fn salesforce_datetime(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0).unwrap_or_default().format("%Y-%m-%dT%H:%M:%S.000+0000").to_string()
}

#[derive(Debug, Deserialize)]
pub struct QueryParams {
    #[serde(default)]
    q: String,
}

/// A SOQL statement this org can run.
#[derive(Debug, PartialEq)]
struct Soql {
    fields: Vec<String>,
    object: String,
    /// Conditions joined by `AND`.
    filter: Vec<(String, String, String)>,
    order: Option<(String, bool)>,
    limit: Option<usize>,
}

/// Splits `text` at the first case-insensitive ` keyword `.
fn split_keyword<'a>(text: &'a str, keyword: &str) -> (&'a str, Option<&'a str>) {
    let upper = text.to_ascii_uppercase();
    match upper.find(&format!(" {keyword} ")) {
        Some(at) => (&text[..at], Some(&text[at + keyword.len() + 2..])),
        None => (text, None),
    }
}

fn parse_soql(q: &str) -> Result<Soql, String> {
    let q = q.split_whitespace().collect::<Vec<_>>().join(" ");
    let rest = q
        .get(..7)
        .filter(|s| s.eq_ignore_ascii_case("SELECT "))
        .map(|_| &q[7..])
        .ok_or("unexpected token: expected SELECT")?;
    let (fields, rest) = split_keyword(rest, "FROM");
    let rest = rest.ok_or("unexpected token: expected FROM")?;
    let (rest, limit) = split_keyword(rest, "LIMIT");
    let (rest, order) = split_keyword(rest, "ORDER BY");
    let (object, filter) = split_keyword(rest, "WHERE");
    let fields: Vec<String> = fields.split(',').map(|f| f.trim().to_owned()).collect();
    if fields.iter().any(|f| f.is_empty() || !f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')) {
        return Err(format!("unexpected token in field list: {}", fields.join(", ")));
    }
    let mut conditions = Vec::new();
    let mut rest_of_filter = filter;
    while let Some(filter) = rest_of_filter {
        let (condition, more) = split_keyword(filter, "AND");
        rest_of_filter = more;
        conditions.push(condition);
    }
    let filter = conditions.into_iter().map(|condition| {
        let parts: Vec<&str> = condition.splitn(3, ' ').collect();
        let [field, op, literal] = parts[..] else { return Err(format!("unexpected token: {condition}")) };
        if !["=", "!=", ">", ">=", "<", "<="].contains(&op) {
            return Err(format!("unexpected token: {op}"));
        }
        let literal = match literal.strip_prefix('\'').and_then(|l| l.strip_suffix('\'')) {
            Some(quoted) if !quoted.contains('\'') => quoted.to_owned(),
            Some(_) => return Err(format!("unexpected token: {literal}")),
            None => chrono::DateTime::parse_from_rfc3339(literal)
                .map(|_| literal.to_owned())
                .map_err(|_| format!("line 1: unexpected token: '{literal}'"))?,
        };
        Ok((field.to_owned(), op.to_owned(), literal))
    });
    let filter = filter.collect::<Result<Vec<_>, String>>()?;
    let order = match order {
        None => None,
        Some(order) => {
            let mut parts = order.split(' ');
            let field = parts.next().unwrap_or_default().to_owned();
            let ascending = match parts.next().map(str::to_ascii_uppercase).as_deref() {
                None | Some("ASC") => true,
                Some("DESC") => false,
                Some(other) => return Err(format!("unexpected token: {other}")),
            };
            Some((field, ascending))
        }
    };
    let limit = match limit {
        None => None,
        Some(n) => Some(n.trim().parse::<usize>().map_err(|_| format!("unexpected token: {n}"))?),
    };
    Ok(Soql { fields, object: object.trim().to_owned(), filter, order, limit })
}

/// `GET /services/data/{version}/query?q=`.
pub async fn query(
    State(sf): State<Salesforce>,
    Path(version): Path<String>,
    headers: HeaderMap,
    Query(params): Query<QueryParams>,
) -> Response {
    let session = match api_session(&sf, &version, &headers) {
        Ok(session) => session,
        Err(refused) => return refused,
    };
    let soql = match parse_soql(&params.q) {
        Ok(soql) => soql,
        Err(message) => return rest_error(StatusCode::BAD_REQUEST, "MALFORMED_QUERY", &message),
    };
    let data = sf.data();
    let records: Result<Vec<Value>, String> = match soql.object.as_str() {
        "UserPermissionAccess" => {
            let admin = data.user(&session.user_id).is_some_and(|u| u.modify_all_data);
            let row = Map::from_iter([("PermissionsModifyAllData".to_owned(), json!(admin))]);
            select(&soql, "UserPermissionAccess", &["PermissionsModifyAllData"], vec![row], &version)
        }
        "Organization" => {
            let org = data.org(&session.org_id);
            let row = Map::from_iter([
                ("Id".to_owned(), json!(session.org_id)),
                ("Name".to_owned(), json!(org.map(|o| o.name.clone()))),
            ]);
            select(&soql, "Organization", &["Id", "Name"], vec![row], &version)
        }
        "Opportunity" => {
            // A query sees what its session's user may read (sharing applies to the API).
            let reader = data.user(&session.user_id).cloned();
            let rows = data
                .opportunities
                .iter()
                .filter(|o| reader.as_ref().is_some_and(|user| data.may_read(user, o)))
                .map(|o| opportunity_row(&data, o))
                .collect();
            let person_accounts = data.org(&session.org_id).is_some_and(|o| o.person_accounts);
            let columns = opportunity_columns(person_accounts);
            select(&soql, "Opportunity", &columns.iter().map(String::as_str).collect::<Vec<_>>(), rows, &version)
        }
        "UserRecordAccess" => user_record_access(&data, &session, &soql, &version),
        "OpportunityStage" => {
            let rows = super::org::OPPORTUNITY_STAGES
                .iter()
                .map(|(name, order, closed)| {
                    Map::from_iter([
                        ("Id".to_owned(), json!(format!("01J8a0000000{order:03}AAA"))),
                        ("ApiName".to_owned(), json!(name)),
                        ("MasterLabel".to_owned(), json!(name)),
                        ("SortOrder".to_owned(), json!(order)),
                        ("IsClosed".to_owned(), json!(closed)),
                        ("IsWon".to_owned(), json!(*closed && *order == 9)),
                        ("IsActive".to_owned(), json!(true)),
                    ])
                })
                .collect();
            let columns = ["Id", "ApiName", "MasterLabel", "SortOrder", "IsClosed", "IsWon", "IsActive"];
            select(&soql, "OpportunityStage", &columns, rows, &version)
        }
        other => Err(format!("sObject type '{other}' is not supported.")),
    };
    match records {
        Ok(records) => Json(json!({ "totalSize": records.len(), "done": true, "records": records })).into_response(),
        Err(message) if message.starts_with("sObject type") => {
            rest_error(StatusCode::BAD_REQUEST, "INVALID_TYPE", &message)
        }
        Err(message) if message.starts_with("MALFORMED_QUERY: ") => {
            rest_error(StatusCode::BAD_REQUEST, "MALFORMED_QUERY", message.trim_start_matches("MALFORMED_QUERY: "))
        }
        Err(message) => rest_error(StatusCode::BAD_REQUEST, "INVALID_FIELD", &message),
    }
}

/// `UserRecordAccess`: one user's access to one record, which the query must name by
/// `UserId = [single ID] AND RecordId = [single ID]`
/// (https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-userrecordaccess.html).
fn user_record_access(
    data: &super::org::Data,
    session: &super::org::Session,
    soql: &Soql,
    version: &str,
) -> Result<Vec<Value>, String> {
    let named = |field: &str| {
        soql.filter.iter().find(|(f, op, _)| f == field && op == "=").map(|(_, _, literal)| literal.clone())
    };
    let (Some(user_id), Some(record_id)) = (named("UserId"), named("RecordId")) else {
        return Err("MALFORMED_QUERY: UserRecordAccess must be filtered by a single UserId and RecordId".into());
    };
    let may_read = match (data.user(&user_id), data.opportunity(&session.org_id, &record_id)) {
        (Some(user), Some(opportunity)) => data.may_read(user, opportunity),
        _ => false,
    };
    let row = Map::from_iter([
        ("Id".to_owned(), json!(format!("{record_id}{user_id}"))),
        ("UserId".to_owned(), json!(user_id)),
        ("RecordId".to_owned(), json!(record_id)),
        ("HasReadAccess".to_owned(), json!(may_read)),
        ("HasEditAccess".to_owned(), json!(may_read)),
        ("MaxAccessLevel".to_owned(), json!(if may_read { "Edit" } else { "None" })),
    ]);
    let columns = ["Id", "UserId", "RecordId", "HasReadAccess", "HasEditAccess", "MaxAccessLevel"];
    select(soql, "UserRecordAccess", &columns, vec![row], version)
}

/// The Opportunity columns SOQL may name in an org (with Person Accounts or not).
fn opportunity_columns(person_accounts: bool) -> Vec<String> {
    let mut columns: Vec<String> = ["Id", "Name", "AccountId", "CreatedDate", "StageName", "Account.Name"]
        .iter()
        .map(|c| (*c).to_owned())
        .collect();
    columns.extend(CUSTOM_FIELDS.iter().map(|(name, _, _)| (*name).to_owned()));
    for prefix in address_prefixes(person_accounts) {
        columns.extend(ADDRESS_PARTS.iter().map(|part| format!("Account.{prefix}{part}")));
    }
    columns
}

/// Every field of an Opportunity, its Account's under `Account.`.
fn opportunity_row(data: &super::org::Data, o: &SfOpportunity) -> Map<String, Value> {
    let mut row = Map::new();
    row.insert("Id".into(), json!(o.id));
    row.insert("Name".into(), json!(o.name));
    row.insert("AccountId".into(), json!(o.account_id));
    row.insert("CreatedDate".into(), json!(salesforce_datetime(o.created)));
    row.insert("StageName".into(), json!(o.stage_name));
    for (name, _, _) in CUSTOM_FIELDS {
        row.insert((*name).into(), o.custom.get(*name).cloned().unwrap_or(Value::Null));
    }
    let account = o.account_id.as_ref().and_then(|id| data.accounts.iter().find(|a| &a.id == id));
    if let Some(account) = account {
        row.insert("Account.Name".into(), json!(account.name));
        for (field, value) in &account.address {
            row.insert(format!("Account.{field}"), value.clone());
        }
    } else {
        row.insert("Account".into(), Value::Null);
    }
    row
}

/// Runs `soql` over `rows` (flat maps, relationship fields dotted), shaping each record as
/// Salesforce does.
fn select(
    soql: &Soql,
    object: &str,
    columns: &[&str],
    mut rows: Vec<Map<String, Value>>,
    version: &str,
) -> Result<Vec<Value>, String> {
    for field in soql.fields.iter().chain(soql.filter.iter().map(|f| &f.0)).chain(soql.order.iter().map(|o| &o.0)) {
        if !columns.contains(&field.as_str()) {
            return Err(format!(
                "No such column '{field}' on entity '{object}'. If you are attempting to use a custom field, be sure to \
                 append the '__c' after the custom field name."
            ));
        }
    }
    for (field, op, literal) in &soql.filter {
        rows.retain(|row| compare(row.get(field).unwrap_or(&Value::Null), op, literal));
    }
    if let Some((field, ascending)) = &soql.order {
        rows.sort_by(|a, b| {
            let key = |row: &Map<String, Value>| row.get(field).map(|v| v.to_string()).unwrap_or_default();
            let ordering = key(a).cmp(&key(b));
            if *ascending { ordering } else { ordering.reverse() }
        });
    }
    rows.truncate(soql.limit.unwrap_or(2000));
    Ok(rows
        .into_iter()
        .map(|row| {
            let id = row.get("Id").and_then(Value::as_str).unwrap_or_default().to_owned();
            let mut record = Map::new();
            record.insert("attributes".into(), json!({ "type": object, "url": format!("/services/data/{version}/sobjects/{object}/{id}") }));
            for field in &soql.fields {
                match field.split_once('.') {
                    None => {
                        record.insert(field.clone(), row.get(field).cloned().unwrap_or(Value::Null));
                    }
                    Some((parent, child)) => {
                        if row.get(parent) == Some(&Value::Null) {
                            record.insert(parent.into(), Value::Null);
                            continue;
                        }
                        let entry = record
                            .entry(parent.to_owned())
                            .or_insert_with(|| json!({ "attributes": { "type": parent, "url": format!("/services/data/{version}/sobjects/{parent}") } }));
                        if let Some(object) = entry.as_object_mut() {
                            object.insert(child.into(), row.get(field).cloned().unwrap_or(Value::Null));
                        }
                    }
                }
            }
            Value::Object(record)
        })
        .collect())
}

/// `value op literal`, for ids (exact, 15 or 18 characters) and datetimes.
fn compare(value: &Value, op: &str, literal: &str) -> bool {
    let value = value.as_str().unwrap_or_default();
    let (left, right) = match (
        chrono::DateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.3f%z"),
        chrono::DateTime::parse_from_rfc3339(literal),
    ) {
        (Ok(v), Ok(l)) => (v.timestamp().to_string(), l.timestamp().to_string()),
        _ if literal.len() == 15 && value.len() == 18 => (value[..15].to_owned(), literal.to_owned()),
        _ => (value.to_owned(), literal.to_owned()),
    };
    let numeric = |s: &str| s.parse::<i64>().ok();
    let ordering = match (numeric(&left), numeric(&right)) {
        (Some(l), Some(r)) => l.cmp(&r),
        _ => left.cmp(&right),
    };
    match op {
        "=" => ordering.is_eq(),
        "!=" => !ordering.is_eq(),
        ">" => ordering.is_gt(),
        ">=" => ordering.is_ge(),
        "<" => ordering.is_lt(),
        _ => ordering.is_le(),
    }
}

/// `PATCH /services/data/{version}/sobjects/Opportunity/{id}`: 204, no body.
pub async fn patch_opportunity(
    State(sf): State<Salesforce>,
    Path((version, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let session = match api_session(&sf, &version, &headers) {
        Ok(session) => session,
        Err(refused) => return refused,
    };
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(&body) else {
        return rest_error(StatusCode::BAD_REQUEST, "JSON_PARSER_ERROR", "The request body is not a JSON object");
    };
    for (name, value) in &fields {
        match CUSTOM_FIELDS.iter().find(|(field, _, _)| field == name) {
            None if name == "Name" => {}
            None if name == "Amount" => {
                if !(value.is_number() || value.is_null()) {
                    return rest_error(
                        StatusCode::BAD_REQUEST,
                        "JSON_PARSER_ERROR",
                        &format!("Cannot deserialize instance of currency from {value} value for field Amount"),
                    );
                }
            }
            None if name == "StageName" => {
                if !super::org::OPPORTUNITY_STAGES.iter().any(|(stage, _, _)| Some(*stage) == value.as_str()) {
                    return rest_error(
                        StatusCode::BAD_REQUEST,
                        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                        &format!("Stage: bad value for restricted picklist field: {value}"),
                    );
                }
            }
            None => {
                return rest_error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_FIELD",
                    &format!("No such column '{name}' on sobject of type Opportunity"),
                );
            }
            Some((_, _, true)) if !(value.is_number() || value.is_null()) => {
                return rest_error(
                    StatusCode::BAD_REQUEST,
                    "JSON_PARSER_ERROR",
                    &format!("Cannot deserialize instance of double from {value} value for field {name}"),
                );
            }
            Some((_, _, false)) if !(value.is_string() || value.is_null()) => {
                return rest_error(
                    StatusCode::BAD_REQUEST,
                    "JSON_PARSER_ERROR",
                    &format!("Cannot deserialize instance of string for field {name}"),
                );
            }
            Some(_) => {}
        }
    }
    let mut data = sf.data();
    let Some(opportunity) = data.opportunities.iter_mut().find(|o| o.org_id == session.org_id && o.id == id) else {
        return not_found();
    };
    for (name, value) in fields {
        if name == "Name" {
            opportunity.name = value.as_str().unwrap_or_default().to_owned();
        } else if name == "StageName" {
            opportunity.stage_name = value.as_str().unwrap_or_default().to_owned();
        } else {
            opportunity.custom.insert(name, value);
        }
    }
    StatusCode::NO_CONTENT.into_response()
}

/// Task's `Status` and `Priority` picklists as a new org has them
/// (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_task.htm).
const TASK_STATUSES: [&str; 5] = ["Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"];
const TASK_PRIORITIES: [&str; 3] = ["High", "Normal", "Low"];

/// `POST /services/data/{v}/sobjects/Task`: logs a Task on a record the caller may read
/// (`WhatId`), 201 with its id. Subject at most 255 characters; Status and Priority from
/// their picklists (defaults: Not Started, Normal); the description at most 32,000.
pub async fn create_task(
    State(sf): State<Salesforce>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let session = match api_session(&sf, &version, &headers) {
        Ok(session) => session,
        Err(refused) => return refused,
    };
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(&body) else {
        return rest_error(StatusCode::BAD_REQUEST, "JSON_PARSER_ERROR", "The request body is not a JSON object");
    };
    let string = |name: &str| fields.get(name).and_then(Value::as_str).map(str::to_owned);
    let known = ["WhatId", "Subject", "Description", "Status", "Priority", "ActivityDate"];
    if let Some(name) = fields.keys().find(|k| !known.contains(&k.as_str())) {
        return rest_error(
            StatusCode::BAD_REQUEST,
            "INVALID_FIELD",
            &format!("No such column '{name}' on sobject of type Task"),
        );
    }
    let subject = string("Subject").unwrap_or_default();
    if subject.chars().count() > 255 {
        return rest_error(StatusCode::BAD_REQUEST, "STRING_TOO_LONG", "Subject: data value too large");
    }
    let description = string("Description").unwrap_or_default();
    if description.chars().count() > 32_000 {
        return rest_error(StatusCode::BAD_REQUEST, "STRING_TOO_LONG", "Description: data value too large");
    }
    let status = string("Status").unwrap_or_else(|| "Not Started".into());
    let priority = string("Priority").unwrap_or_else(|| "Normal".into());
    if !TASK_STATUSES.contains(&status.as_str()) || !TASK_PRIORITIES.contains(&priority.as_str()) {
        return rest_error(
            StatusCode::BAD_REQUEST,
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            "bad value for restricted picklist field",
        );
    }
    let date = string("ActivityDate");
    if date.as_deref().is_some_and(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err()) {
        return rest_error(StatusCode::BAD_REQUEST, "JSON_PARSER_ERROR", "Cannot deserialize instance of date");
    }
    let mut data = sf.data();
    let what = string("WhatId").unwrap_or_default();
    let Some(record) = data.readable_opportunity(&session, &what) else {
        return rest_error(StatusCode::BAD_REQUEST, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id");
    };
    let id = data.new_record_id(&session.org_id, "00T");
    data.tasks.push(super::org::SfTask {
        id: id.clone(),
        org_id: session.org_id.clone(),
        what_id: record,
        owner_id: session.user_id.clone(),
        subject,
        description,
        status,
        activity_date: date,
    });
    (StatusCode::CREATED, Json(json!({ "id": id, "success": true, "errors": [] }))).into_response()
}

/// `POST /services/data/{v}/sobjects/ContentVersion`: a file (`VersionData` base64,
/// `PathOnClient`, `Title`) shared with the record `FirstPublishLocationId` the caller may
/// read; 201 with its id
/// (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_insert_update_blob.htm).
pub async fn create_content_version(
    State(sf): State<Salesforce>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    use base64::Engine;
    let session = match api_session(&sf, &version, &headers) {
        Ok(session) => session,
        Err(refused) => return refused,
    };
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(&body) else {
        return rest_error(StatusCode::BAD_REQUEST, "JSON_PARSER_ERROR", "The request body is not a JSON object");
    };
    let string = |name: &str| fields.get(name).and_then(Value::as_str).map(str::to_owned);
    let (Some(path), Some(data)) = (string("PathOnClient"), string("VersionData")) else {
        return rest_error(
            StatusCode::BAD_REQUEST,
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [PathOnClient, VersionData]",
        );
    };
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(data.as_bytes()) else {
        return rest_error(StatusCode::BAD_REQUEST, "JSON_PARSER_ERROR", "VersionData is not base64");
    };
    let mut data = sf.data();
    let location = string("FirstPublishLocationId").unwrap_or_default();
    let Some(record) = data.readable_opportunity(&session, &location) else {
        return rest_error(StatusCode::BAD_REQUEST, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id");
    };
    let id = data.new_record_id(&session.org_id, "068");
    let title = string("Title").unwrap_or_else(|| path.clone());
    data.files.push(super::org::SfFile {
        id: id.clone(),
        org_id: session.org_id.clone(),
        record_id: record,
        title,
        path_on_client: path,
        size: bytes.len(),
    });
    (StatusCode::CREATED, Json(json!({ "id": id, "success": true, "errors": [] }))).into_response()
}

/// `GET /sandbox/opportunities/{id}` (tests): an Opportunity's org, name and custom fields.
pub async fn peek_opportunity(State(sf): State<Salesforce>, Path(id): Path<String>) -> Response {
    let data = sf.data();
    match data.opportunities.iter().find(|o| o.id == id) {
        Some(o) => {
            let tasks: Vec<_> = data.tasks.iter().filter(|t| t.what_id == o.id).collect();
            let files: Vec<_> = data.files.iter().filter(|f| f.record_id == o.id).collect();
            Json(json!({ "id": o.id, "org_id": o.org_id, "name": o.name, "fields": o.custom, "tasks": tasks,
                         "stage": o.stage_name, "files": files }))
            .into_response()
        }
        None => not_found(),
    }
}

#[derive(Debug, Deserialize)]
pub struct NewOpportunity {
    org_id: String,
    name: String,
    #[serde(default)]
    account_id: Option<String>,
}

/// `POST /sandbox/opportunities` (tests; a rep would use the "New" form): creates an
/// Opportunity now, answering its id.
pub async fn create_opportunity(State(sf): State<Salesforce>, Json(new): Json<NewOpportunity>) -> Response {
    match sf.create_opportunity(&new.org_id, &new.name, new.account_id, None) {
        Ok(id) => (StatusCode::CREATED, Json(json!({ "id": id, "success": true, "errors": [] }))).into_response(),
        Err(message) => rest_error(StatusCode::BAD_REQUEST, "INVALID_CROSS_REFERENCE_KEY", &message),
    }
}

impl Salesforce {
    /// A new Opportunity in `org_id` (on `account_id`, else the org's first Account), owned
    /// by `owner` (else the org's first rep).
    pub fn create_opportunity(
        &self,
        org_id: &str,
        name: &str,
        account_id: Option<String>,
        owner: Option<&str>,
    ) -> Result<String, String> {
        let mut data = self.data();
        let owner = match owner {
            Some(owner) => owner.to_owned(),
            None => data
                .users
                .iter()
                .find(|u| u.org_id == org_id && !u.modify_all_data)
                .map(|u| u.id.clone())
                .ok_or("no rep in this org")?,
        };
        let org_number = data.orgs.iter().position(|o| o.id == org_id).ok_or("no such org")? as u8 + 1;
        let account_id = match account_id {
            Some(id) if data.accounts.iter().any(|a| a.id == id && a.org_id == org_id) => Some(id),
            Some(_) => return Err("invalid cross reference id".into()),
            None => data.accounts.iter().find(|a| a.org_id == org_id).map(|a| a.id.clone()),
        };
        data.next_record += 1;
        let id = super::org::record_id("006", org_number, data.next_record);
        data.opportunities.push(SfOpportunity {
            id: id.clone(),
            org_id: org_id.to_owned(),
            account_id,
            name: name.trim().chars().take(120).collect(),
            owner_id: owner,
            shared_with: Vec::new(),
            created: self.clock.now(),
            custom: Default::default(),
            stage_name: "Prospecting".into(),
        });
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soql_reads_the_shapes_apps_send_and_refuses_the_rest() {
        let soql = parse_soql("SELECT Id, CreatedDate FROM Opportunity WHERE CreatedDate >= 2026-11-30T21:00:00Z ORDER BY CreatedDate ASC LIMIT 200")
            .expect("parses");
        assert_eq!(soql.fields, ["Id", "CreatedDate"]);
        let condition = |f: &str, op: &str, literal: &str| (f.to_owned(), op.to_owned(), literal.to_owned());
        assert_eq!(soql.filter, [condition("CreatedDate", ">=", "2026-11-30T21:00:00Z")]);
        assert_eq!(soql.order, Some(("CreatedDate".into(), true)));
        assert_eq!(soql.limit, Some(200));
        let by_id = parse_soql("select Id, Account.BillingCity from Opportunity where Id = '0068a0000100001AAA'")
            .expect("parses");
        assert_eq!(by_id.filter, [condition("Id", "=", "0068a0000100001AAA")]);
        let access = parse_soql(
            "SELECT RecordId, HasReadAccess FROM UserRecordAccess WHERE UserId = '0058a0000100002AAA' AND RecordId = '0068a0000100009AAA'",
        )
        .expect("parses");
        assert_eq!(
            access.filter,
            [condition("UserId", "=", "0058a0000100002AAA"), condition("RecordId", "=", "0068a0000100009AAA")]
        );
        assert!(parse_soql("SELECT Id FROM Opportunity WHERE Id = '006' OR Id != ''").is_err());
        assert!(parse_soql("DELETE FROM Opportunity").is_err());
        assert!(parse_soql("SELECT Id FROM Opportunity WHERE CreatedDate > yesterday").is_err());
    }
}
