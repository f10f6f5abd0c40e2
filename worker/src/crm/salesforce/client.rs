//! Our calls to Salesforce: the OAuth 2.0 web server flow with PKCE (login host), and the
//! org's REST API (its instance): who consented and whether they may administer the org,
//! the Opportunity with its Account's address, new Opportunities (for automatic projects),
//! and the figures written onto the Opportunity.
//!
//! Salesforce answers errors as `[{"message", "errorCode"}]` (REST) or `{"error",
//! "error_description"}` (OAuth); `INVALID_SESSION_ID` (401) means the access token
//! expired and the refresh token gets a new one; `REQUEST_LIMIT_EXCEEDED` (403) is the
//! org's daily API limit, which passes.

use crate::crm::tokens::OAuthTokens;
use crate::{
    crm::salesforce::settings::SalesforceSettings,
    crm::{
        CrmError,
        http::{Auth, Body, CrmHttp, encode_segment},
    },
};
use aurora_api::HttpTransport;
use http::Method;
use secrecy::ExposeSecret;
use serde::{Deserialize, de::DeserializeOwned};
use std::sync::Arc;

/// The REST API version the worker speaks.
pub const API_VERSION: &str = "v62.0";

/// The token endpoint's answer. `id` is the identity URL, `.../id/<org id>/<user id>`.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    instance_url: String,
    id: String,
}

/// An Opportunity stage of the org.
#[derive(Debug, Clone, Deserialize)]
pub struct OpportunityStage {
    /// What an Opportunity's `StageName` holds.
    #[serde(rename = "ApiName")]
    pub api_name: String,
    /// Its name in the org.
    #[serde(rename = "MasterLabel")]
    pub label: String,
    /// Its place among the stages.
    #[serde(rename = "SortOrder", default)]
    pub sort_order: Option<i64>,
    /// Won or lost.
    #[serde(rename = "IsClosed", default)]
    pub is_closed: bool,
    /// In use.
    #[serde(rename = "IsActive", default)]
    pub is_active: bool,
}

/// Who consented, from `/services/oauth2/userinfo`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UserInfo {
    /// 18 characters.
    pub user_id: String,
    /// 18 characters.
    pub organization_id: String,
    /// For people.
    #[serde(default)]
    pub name: String,
}

/// A SOQL answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueryResult<T> {
    records: Vec<T>,
}

/// An Opportunity with the Account fields that give its site.
#[derive(Debug, Clone, Deserialize)]
pub struct OpportunityRecord {
    /// Its id.
    #[serde(rename = "Id")]
    pub id: String,
    /// Its name.
    #[serde(rename = "Name", default)]
    pub name: String,
    /// The Account's fields, when it has one.
    #[serde(rename = "Account", default)]
    pub account: Option<serde_json::Map<String, serde_json::Value>>,
}

/// One of an Account's addresses and its geocode.
#[derive(Debug, Clone, Default)]
pub struct AccountAddress {
    pub street: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

impl AccountAddress {
    /// The address whose fields start with `prefix` in an Account record.
    pub fn read(account: &serde_json::Map<String, serde_json::Value>, prefix: &str) -> Self {
        let text = |field: &str| account.get(&format!("{prefix}{field}")).and_then(|v| v.as_str()).map(str::to_owned);
        let number = |field: &str| account.get(&format!("{prefix}{field}")).and_then(serde_json::Value::as_f64);
        AccountAddress {
            street: text("Street"),
            city: text("City"),
            state: text("State"),
            postal_code: text("PostalCode"),
            country: text("Country"),
            latitude: number("Latitude"),
            longitude: number("Longitude"),
        }
    }

    /// One line, as Aurora geocodes it: `street, city, state postal code, country`.
    pub fn one_line(&self) -> Option<String> {
        let part =
            |value: &Option<String>| value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let street = part(&self.street)?;
        let region = [part(&self.state), part(&self.postal_code)].into_iter().flatten().collect::<Vec<_>>().join(" ");
        let line = [Some(street), part(&self.city), Some(region).filter(|r| !r.is_empty()), part(&self.country)]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
        Some(line.replace(['\n', '\r'], " "))
    }
}

/// An Opportunity created since the poll's cursor.
#[derive(Debug, Clone, Deserialize)]
pub struct NewOpportunity {
    /// Its id.
    #[serde(rename = "Id")]
    pub id: String,
    /// When it was created, as Salesforce writes it (`2026-11-30T21:00:00.000+0000`).
    #[serde(rename = "CreatedDate")]
    pub created_date: String,
}

/// Salesforce for our app. Cheap to clone.
#[derive(Clone)]
pub struct SalesforceClient {
    http: CrmHttp,
    login_url: String,
    consumer_key: String,
    consumer_secret: secrecy::SecretString,
    redirect_uri: String,
}

/// The SOQL that reads an Opportunity with its Account's compound address `prefix`
/// (`Billing`, `Shipping`, or a Person Account's `PersonMailing`; `id` is checked to be a
/// record id).
fn opportunity_query(id: &str, prefix: &str) -> String {
    let fields = ["Street", "City", "State", "PostalCode", "Country", "Latitude", "Longitude"]
        .map(|field| format!("Account.{prefix}{field}"))
        .join(", ");
    format!("SELECT Id, Name, {fields} FROM Opportunity WHERE Id = '{id}'")
}

/// Opportunities one poll's query reads at most.
pub const POLL_PAGE: usize = 200;

/// `value` checked to be a SOQL datetime literal (`2026-11-30T21:00:00Z`): the builder
/// interpolates it, so it refuses anything else rather than trust its caller.
fn soql_datetime_literal(value: &str) -> Result<&str, CrmError> {
    let shaped = value.len() == 20
        && value.ends_with('Z')
        && value.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'-' | b':' | b'T' | b'Z'));
    shaped.then_some(value).ok_or_else(|| CrmError::Decode(format!("not a SOQL datetime: {value:?}")))
}

/// `value` checked to be a record id or empty (see [`soql_datetime_literal`]).
fn record_id_literal(value: &str) -> Result<&str, CrmError> {
    let shaped = value.is_empty()
        || ((value.len() == 15 || value.len() == 18) && value.bytes().all(|b| b.is_ascii_alphanumeric()));
    shaped.then_some(value).ok_or_else(|| CrmError::Decode(format!("not a record id: {value:?}")))
}

impl SalesforceClient {
    /// The client for `config` over `transport`.
    pub fn new(transport: Arc<dyn HttpTransport>, config: &SalesforceSettings) -> Self {
        SalesforceClient {
            http: CrmHttp::new(transport, classify),
            login_url: config.login_url.clone(),
            consumer_key: config.consumer_key.clone(),
            consumer_secret: config.consumer_secret.clone(),
            redirect_uri: config.redirect_uri(),
        }
    }

    /// The consent page (web server flow, PKCE S256).
    pub fn authorize_url(&self, state: &str, scope: &str, code_challenge: &str) -> String {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.consumer_key)
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("state", state)
            .append_pair("scope", scope)
            .append_pair("code_challenge", code_challenge)
            .append_pair("code_challenge_method", "S256")
            .finish();
        format!("{}/services/oauth2/authorize?{query}", self.login_url)
    }

    /// Exchanges an authorization code, once. Answers the tokens and the org and user
    /// the identity URL names.
    pub async fn exchange_code(&self, code: &str, code_verifier: &str) -> Result<(OAuthTokens, IdentityUrl), CrmError> {
        let form = self.token_form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &self.redirect_uri),
            ("code_verifier", code_verifier),
        ]);
        let answer: TokenResponse = self
            .http
            .send_once(Method::POST, &self.login("/services/oauth2/token"), Auth::None, Body::Form(form))
            .await?;
        let identity = IdentityUrl::parse(&answer.id)
            .ok_or_else(|| CrmError::Decode("an identity URL without org and user ids".into()))?;
        let refresh_token = answer
            .refresh_token
            .ok_or_else(|| CrmError::Decode("no refresh token: give the app the refresh_token scope".into()))?;
        Ok((
            OAuthTokens {
                access_token: answer.access_token,
                refresh_token,
                expires_at: None,
                api_base: answer.instance_url,
            },
            identity,
        ))
    }

    /// A new access token from the refresh token (kept: Salesforce does not rotate it
    /// unless the app asks).
    pub async fn refresh(&self, tokens: &OAuthTokens) -> Result<OAuthTokens, CrmError> {
        let form = self.token_form(&[("grant_type", "refresh_token"), ("refresh_token", &tokens.refresh_token)]);
        let answer: TokenResponse = self
            .http
            .send_once(Method::POST, &self.login("/services/oauth2/token"), Auth::None, Body::Form(form))
            .await?;
        Ok(OAuthTokens {
            access_token: answer.access_token,
            refresh_token: answer.refresh_token.unwrap_or_else(|| tokens.refresh_token.clone()),
            expires_at: None,
            api_base: answer.instance_url,
        })
    }

    /// Revokes a token (a refresh token revokes the app's access for that user).
    pub async fn revoke(&self, token: &str) -> Result<(), CrmError> {
        let form = form_urlencoded::Serializer::new(String::new()).append_pair("token", token).finish();
        self.http
            .send::<serde::de::IgnoredAny>(
                Method::POST,
                &self.login("/services/oauth2/revoke"),
                Auth::None,
                Body::Form(form),
            )
            .await
            .map(|_| ())
    }

    /// Who the token belongs to.
    pub async fn user_info(&self, tokens: &OAuthTokens) -> Result<UserInfo, CrmError> {
        let url = format!("{}/services/oauth2/userinfo", tokens.api_base);
        self.http.send(Method::GET, &url, Auth::Bearer(&tokens.access_token), Body::None).await
    }

    /// Whether the token's user may administer the org ("Modify All Data").
    pub async fn is_admin(&self, tokens: &OAuthTokens) -> Result<bool, CrmError> {
        #[derive(Deserialize)]
        struct Access {
            #[serde(rename = "PermissionsModifyAllData", default)]
            modify_all_data: bool,
        }
        let found: Vec<Access> =
            self.query(tokens, "SELECT PermissionsModifyAllData FROM UserPermissionAccess").await?;
        Ok(found.first().is_some_and(|access| access.modify_all_data))
    }

    /// Whether `user` may read `record`, as the org's sharing decides it for them
    /// (`UserRecordAccess`: "WHERE UserId = [single ID] AND RecordId = [single ID]",
    /// https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-userrecordaccess.html).
    /// Both ids are checked record ids before they reach the query.
    pub async fn user_may_read(&self, tokens: &OAuthTokens, user: &str, record: &str) -> Result<bool, CrmError> {
        #[derive(Deserialize)]
        struct Access {
            #[serde(rename = "HasReadAccess", default)]
            has_read_access: bool,
        }
        if !super::signed_request::is_record_id(user, "005") || !super::signed_request::is_record_id(record, "") {
            return Ok(false);
        }
        let soql = format!(
            "SELECT RecordId, HasReadAccess FROM UserRecordAccess WHERE UserId = '{user}' AND RecordId = '{record}'"
        );
        let found: Vec<Access> = self.query(tokens, &soql).await?;
        Ok(found.first().is_some_and(|access| access.has_read_access))
    }

    /// The org's name.
    pub async fn organization_name(&self, tokens: &OAuthTokens) -> Result<String, CrmError> {
        #[derive(Deserialize)]
        struct Organization {
            #[serde(rename = "Name", default)]
            name: String,
        }
        let found: Vec<Organization> = self.query(tokens, "SELECT Name FROM Organization").await?;
        Ok(found.into_iter().next().map(|o| o.name).unwrap_or_default())
    }

    /// The Opportunity `id` (a checked record id) with its Account's address `prefix`.
    pub async fn opportunity(
        &self,
        tokens: &OAuthTokens,
        id: &str,
        prefix: &str,
    ) -> Result<Option<OpportunityRecord>, CrmError> {
        // Interpolated below: checked here too, whatever the caller did.
        let id = record_id_literal(id)?;
        if !matches!(prefix, "Billing" | "Shipping" | "PersonMailing") {
            return Err(CrmError::Decode(format!("not an address of an Account: {prefix:?}")));
        }
        Ok(self.query(tokens, &opportunity_query(id, prefix)).await?.into_iter().next())
    }

    /// Uploads a file shared with a record: a ContentVersion whose `FirstPublishLocationId`
    /// is the record, its bytes base64 in `VersionData`
    /// (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_insert_update_blob.htm;
    /// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contentversion.htm).
    /// Sent once: a repeat would upload a second file.
    pub async fn upload_file(
        &self,
        tokens: &OAuthTokens,
        record_id: &str,
        title: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<(), CrmError> {
        use base64::Engine;
        let url = format!("{}/services/data/{API_VERSION}/sobjects/ContentVersion", tokens.api_base);
        let body = serde_json::json!({
            "Title": title, "PathOnClient": file_name, "FirstPublishLocationId": record_id,
            "VersionData": base64::engine::general_purpose::STANDARD.encode(bytes),
        });
        self.http
            .send_once::<serde::de::IgnoredAny>(
                Method::POST,
                &url,
                Auth::Bearer(&tokens.access_token),
                Body::Json(body),
            )
            .await
            .map(|_| ())
    }

    /// The org's Opportunity stages (`OpportunityStage`:
    /// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunitystage.htm),
    /// active ones only, by `SortOrder`.
    pub async fn stages(&self, tokens: &OAuthTokens) -> Result<Vec<OpportunityStage>, CrmError> {
        let mut stages: Vec<OpportunityStage> = self
            .query(tokens, "SELECT ApiName, MasterLabel, SortOrder, IsClosed, IsActive FROM OpportunityStage")
            .await?;
        stages.retain(|s| s.is_active);
        stages.sort_by_key(|s| s.sort_order.unwrap_or(i64::MAX));
        Ok(stages)
    }

    /// An Opportunity's `StageName`.
    pub async fn opportunity_stage(&self, tokens: &OAuthTokens, id: &str) -> Result<Option<String>, CrmError> {
        #[derive(Deserialize)]
        struct Staged {
            #[serde(rename = "StageName", default)]
            stage_name: Option<String>,
        }
        let id = record_id_literal(id)?;
        let found: Vec<Staged> =
            self.query(tokens, &format!("SELECT StageName FROM Opportunity WHERE Id = '{id}'")).await?;
        Ok(found.into_iter().next().and_then(|s| s.stage_name))
    }

    /// Opportunities created within the second `at` (SOQL datetime, UTC) with an id after
    /// `after_id` (a record id, or empty for all), by id, at most [`POLL_PAGE`]: a second
    /// that holds more (a bulk import) is read page by page.
    pub async fn opportunities_created_at(
        &self,
        tokens: &OAuthTokens,
        at: &str,
        after_id: &str,
    ) -> Result<Vec<NewOpportunity>, CrmError> {
        let (at, after_id) = (soql_datetime_literal(at)?, record_id_literal(after_id)?);
        let soql = format!(
            "SELECT Id, CreatedDate FROM Opportunity WHERE CreatedDate = {at} AND Id > '{after_id}' \
             ORDER BY Id ASC LIMIT {POLL_PAGE}"
        );
        self.query(tokens, &soql).await
    }

    /// Opportunities created after the second `after` (SOQL datetime, UTC), oldest first, at
    /// most [`POLL_PAGE`].
    pub async fn opportunities_created_after(
        &self,
        tokens: &OAuthTokens,
        after: &str,
    ) -> Result<Vec<NewOpportunity>, CrmError> {
        let after = soql_datetime_literal(after)?;
        let soql = format!(
            "SELECT Id, CreatedDate FROM Opportunity WHERE CreatedDate > {after} ORDER BY CreatedDate ASC \
             LIMIT {POLL_PAGE}"
        );
        self.query(tokens, &soql).await
    }

    /// Writes `fields` onto the Opportunity (`PATCH`, 204: absolute values, so a repeat is
    /// harmless).
    pub async fn update_opportunity(
        &self,
        tokens: &OAuthTokens,
        id: &str,
        fields: &serde_json::Value,
    ) -> Result<(), CrmError> {
        let url =
            format!("{}/services/data/{API_VERSION}/sobjects/Opportunity/{}", tokens.api_base, encode_segment(id));
        self.http
            .send::<serde::de::IgnoredAny>(
                Method::PATCH,
                &url,
                Auth::Bearer(&tokens.access_token),
                Body::Json(fields.clone()),
            )
            .await
            .map(|_| ())
    }

    /// Logs a completed Task on the Opportunity (`POST .../sobjects/Task` with `WhatId`:
    /// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_task.htm),
    /// which its Activity timeline shows. Sent once: a repeat would log a second Task.
    pub async fn log_task(
        &self,
        tokens: &OAuthTokens,
        opportunity_id: &str,
        subject: &str,
        description: &str,
        date: &str,
    ) -> Result<(), CrmError> {
        let url = format!("{}/services/data/{API_VERSION}/sobjects/Task", tokens.api_base);
        // Subject is at most 255 characters.
        let subject: String = subject.chars().take(255).collect();
        let body = serde_json::json!({
            "WhatId": opportunity_id, "Subject": subject, "Description": description,
            "Status": "Completed", "Priority": "Normal", "ActivityDate": date,
        });
        self.http
            .send_once::<serde::de::IgnoredAny>(
                Method::POST,
                &url,
                Auth::Bearer(&tokens.access_token),
                Body::Json(body),
            )
            .await
            .map(|_| ())
    }

    async fn query<T: DeserializeOwned>(&self, tokens: &OAuthTokens, soql: &str) -> Result<Vec<T>, CrmError> {
        let q: String = form_urlencoded::byte_serialize(soql.as_bytes()).collect();
        let url = format!("{}/services/data/{API_VERSION}/query?q={q}", tokens.api_base);
        let result: QueryResult<T> =
            self.http.send(Method::GET, &url, Auth::Bearer(&tokens.access_token), Body::None).await?;
        Ok(result.records)
    }

    fn login(&self, path: &str) -> String {
        format!("{}{path}", self.login_url)
    }

    fn token_form(&self, pairs: &[(&str, &str)]) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .append_pair("client_id", &self.consumer_key)
            .append_pair("client_secret", self.consumer_secret.expose_secret())
            .finish()
    }
}

/// The org and user an identity URL (`https://login.salesforce.com/id/<org>/<user>`) names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityUrl {
    /// The org.
    pub organization_id: String,
    /// The user.
    pub user_id: String,
}

impl IdentityUrl {
    fn parse(url: &str) -> Option<IdentityUrl> {
        let mut segments = url.trim_end_matches('/').rsplit('/');
        let user_id = segments.next()?.to_owned();
        let organization_id = segments.next()?.to_owned();
        (segments.next()? == "id").then_some(IdentityUrl { organization_id, user_id })
    }
}

/// A non-2xx answer from Salesforce as a [`CrmError`].
fn classify(status: u16, body: &[u8]) -> CrmError {
    #[derive(Deserialize, Default)]
    struct OAuthError {
        #[serde(default)]
        error: String,
        #[serde(default)]
        error_description: String,
    }
    #[derive(Deserialize)]
    struct RestError {
        #[serde(default)]
        message: String,
        #[serde(rename = "errorCode", default)]
        error_code: String,
    }
    let rest: Option<RestError> =
        serde_json::from_slice::<Vec<RestError>>(body).ok().and_then(|e| e.into_iter().next());
    let oauth: OAuthError = serde_json::from_slice(body).unwrap_or_default();
    let code = rest.as_ref().map(|e| e.error_code.as_str()).unwrap_or(oauth.error.as_str());
    match (status, code) {
        (400, "invalid_grant") => CrmError::InvalidGrant,
        // The identity service (userinfo) says an invalid or expired token this way.
        (401, _) | (403, "Bad_OAuth_Token") => CrmError::Unauthorized,
        // The org's rolling 24-hour API limit: it passes.
        (403, "REQUEST_LIMIT_EXCEEDED") | (408 | 429 | 500..=599, _) => {
            CrmError::Unavailable(format!("status {status} {code}"))
        }
        _ => CrmError::Refused {
            status,
            message: rest.map(|e| e.message).unwrap_or(oauth.error_description).chars().take(200).collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salesforce_answers_are_classified() {
        assert_eq!(
            classify(400, br#"{"error":"invalid_grant","error_description":"expired authorization code"}"#),
            CrmError::InvalidGrant
        );
        assert_eq!(
            classify(401, br#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#),
            CrmError::Unauthorized
        );
        assert!(
            classify(403, br#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#)
                .is_transient()
        );
        assert_eq!(
            classify(400, br#"[{"message":"No such column 'Aurora_X__c' on sobject of type Opportunity","errorCode":"INVALID_FIELD"}]"#),
            CrmError::Refused { status: 400, message: "No such column 'Aurora_X__c' on sobject of type Opportunity".into() }
        );
        assert!(!classify(403, br#"[{"message":"no","errorCode":"INSUFFICIENT_ACCESS"}]"#).is_transient());
    }

    #[test]
    fn identity_urls_name_org_and_user() {
        assert_eq!(
            IdentityUrl::parse("https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS"),
            Some(IdentityUrl { organization_id: "00Dxx0000001gPLEAY".into(), user_id: "005xx000001SwiUAAS".into() })
        );
        assert_eq!(IdentityUrl::parse("https://login.salesforce.com/005xx000001SwiUAAS"), None);
    }

    #[test]
    fn an_account_address_reads_as_one_line() {
        let account = serde_json::json!({
            "attributes": { "type": "Account" },
            "ShippingStreet": "901 Mears Ct\nUnit 2", "ShippingCity": "Stanford", "ShippingState": "CA",
            "ShippingPostalCode": "94305", "ShippingCountry": "USA", "ShippingLatitude": 37.42, "BillingStreet": null
        });
        let account = account.as_object().expect("object");
        let address = AccountAddress::read(account, "Shipping");
        assert_eq!(address.one_line().as_deref(), Some("901 Mears Ct Unit 2, Stanford, CA 94305, USA"));
        assert_eq!(address.latitude, Some(37.42));
        assert_eq!(AccountAddress::read(account, "Billing").one_line(), None);
        assert_eq!(AccountAddress { city: Some("Stanford".into()), ..AccountAddress::default() }.one_line(), None);
    }
}
