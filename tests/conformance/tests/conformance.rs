//! One black-box suite for every way the worker runs, through real HTTP only: `cargo test`
//! runs it in-process (the native Router and the sandbox served by the test process);
//! `cargo xtask test` runs it against the native binary (SQLite) and against the Workers
//! bundle on workerd (local D1), each with the sandbox as its own process.
//!
//! What a host cannot do is said, not skipped: killing the worker mid-request is
//! possible only natively (`worker/tests/crash_recovery.rs`); `cargo xtask test` prints
//! that limit for the edge host. Periodic sweeping is the same code on both hosts: a
//! timer natively, the Cron Trigger on Workers (fired here through `/__scheduled`).

#![allow(clippy::unwrap_used)]

mod conformance {
    use conformance::{System, context, crm_webhook_headers, install_and_link, unix_now};
    use reqwest::{StatusCode, header};
    use serde_json::{Value, json};
    use std::time::Duration;
    use tokio::sync::OnceCell;

    /// The system, with Sunrise Solar and Northwind Energy installed and linked (once), and
    /// this test's turn: the tests share it (and switch its faults), so they take turns.
    async fn system() -> (&'static System, tokio::sync::MutexGuard<'static, ()>) {
        static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
        let turn = TURN.lock().await;
        (installed().await, turn)
    }

    async fn installed() -> &'static System {
        static SYSTEM: OnceCell<System> = OnceCell::const_new();
        SYSTEM
            .get_or_init(|| async {
                let system = System::get();
                install_and_link(&system, "ada@sunrise.example", &system.tenant).await;
                install_and_link(&system, "nia@northwind.example", &system.second_tenant).await;
                system
            })
            .await
    }

    fn address() -> Value {
        json!({ "property_address": "901 Mears Ct, Stanford, CA 94305" })
    }

    /// `POST /v1/sessions`: status and body.
    async fn open_session(system: &System, account: &str, opportunity: &str) -> (StatusCode, Value) {
        let token = context(&system.crm_client_secret, account, opportunity, address(), unix_now() + 300);
        post_session(system, &token).await
    }

    async fn post_session(system: &System, token: &str) -> (StatusCode, Value) {
        let response = reqwest::Client::new()
            .post(format!("{}/v1/sessions", system.worker))
            .json(&json!({ "crm": "demo", "context": token }))
            .send()
            .await
            .unwrap();
        (response.status(), response.json().await.unwrap_or_default())
    }

    async fn widget_token(system: &System, account: &str, opportunity: &str) -> String {
        let (status, body) = open_session(system, account, opportunity).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    async fn get_state(system: &System, token: &str, opportunity: &str, etag: Option<&str>) -> reqwest::Response {
        let mut request =
            reqwest::Client::new().get(format!("{}/v1/opportunities/{opportunity}", system.worker)).bearer_auth(token);
        if let Some(etag) = etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        request.send().await.unwrap()
    }

    async fn create(system: &System, token: &str, opportunity: &str) -> (StatusCode, Value) {
        let response = reqwest::Client::new()
            .post(format!("{}/v1/opportunities/{opportunity}/project", system.worker))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (response.status(), response.json().await.unwrap_or_default())
    }

    /// Polls the opportunity's state until it is `wanted` (sweeping meanwhile).
    async fn state_becomes(system: &System, token: &str, opportunity: &str, wanted: &str) -> Value {
        let mut last = Value::Null;
        for _ in 0..60 {
            last = get_state(system, token, opportunity, None).await.json().await.unwrap();
            if last["state"] == wanted {
                return last;
            }
            system.sweep().await;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        panic!("{opportunity} never became {wanted}: {last}");
    }

    /// Sunrise's `opportunity` with its project created and first design shown: the widget
    /// token and Aurora's project id.
    async fn designed_project(system: &System, opportunity: &str) -> (String, String) {
        let token = widget_token(system, "acct-sunrise", opportunity).await;
        create(system, &token, opportunity).await;
        let ready = state_becomes(system, &token, opportunity, "design_ready").await;
        let project = ready["project_id"].as_str().unwrap().to_owned();
        (token, project)
    }

    /// The sandbox's designer designs `project` again; its webhook is left to the test.
    async fn newer_design(system: &System, project: &str) -> Value {
        let url = format!(
            "{}/sandbox/tenants/{}/projects/{project}/designs?fire_webhook=false",
            system.aurora, system.tenant
        );
        reqwest::Client::new().post(url).send().await.unwrap().json().await.unwrap()
    }

    /// Every design the sandbox made for our `external_provider_id` suffix.
    async fn sandbox_designs_for(system: &System, opportunity: &str) -> Vec<Value> {
        let all: Value =
            reqwest::get(format!("{}/sandbox/designs", system.aurora)).await.unwrap().json().await.unwrap();
        all["designs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| {
                d["design"]["external_provider_id"].as_str().is_some_and(|e| e.ends_with(&format!(":{opportunity}")))
            })
            .cloned()
            .collect()
    }

    /// The annual production of a design as `/sandbox/designs` shows it.
    fn annual_of_sandbox_design(record: &Value) -> f64 {
        record["design"]["energy_production"]["annual"].as_f64().unwrap()
    }

    /// The annual production of the design an opportunity's state shows.
    fn annual_shown(state: &Value) -> Option<f64> {
        state["design"]["production"]["annual"].as_f64()
    }

    async fn aurora_faults(system: &System, faults: Value) {
        let response =
            reqwest::Client::new().put(format!("{}/sandbox/faults", system.aurora)).json(&faults).send().await.unwrap();
        assert!(response.status().is_success());
    }

    /// A delivery as Aurora makes it, with our header (or `auth`).
    async fn simulation_webhook(system: &System, query: &[(&str, &str)], auth: Option<&str>) -> (StatusCode, Value) {
        let mut request = reqwest::Client::new()
            .get(format!("{}/webhooks/aurora/performance-simulation", system.worker))
            .query(query);
        if let Some(value) = auth {
            request = request.header("X-Aurora-Webhook-Token", value);
        }
        let response = request.send().await.unwrap();
        (response.status(), response.json().await.unwrap_or_default())
    }

    /// A demo CRM context signed with the right secret but HS512, which the demo CRM never
    /// uses: the worker takes only the algorithm the CRM signs with.
    fn hs512_context(secret: &str) -> String {
        let claims = json!({ "account_id": "acct-sunrise", "user_id": "u", "opportunity_id": "o",
                             "property_address": "1 Main St", "exp": unix_now() + 300 });
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512);
        jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes())).unwrap()
    }

    #[tokio::test]
    async fn sessions_check_the_crms_signature_the_expiry_and_the_installation() {
        let (system, _turn) = system().await;
        let (status, body) = open_session(system, "acct-sunrise", "opp-c-session").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["state"]["state"], "no_project");
        assert_eq!(body["opportunity"]["location"]["property_address"], "901 Mears Ct, Stanford, CA 94305");
        let good = context(&system.crm_client_secret, "acct-sunrise", "opp-c-session", address(), unix_now() + 300);
        let tampered = format!("{}{}", &good[..good.len() - 2], if good.ends_with("AA") { "BB" } else { "AA" });
        for (name, token, status, code) in [
            ("tampered", tampered, StatusCode::UNAUTHORIZED, "invalid_context"),
            (
                "forged",
                context("not-the-crms-secret-0123456789abcdef", "acct-sunrise", "o", address(), unix_now() + 300),
                StatusCode::UNAUTHORIZED,
                "invalid_context",
            ),
            (
                "expired",
                context(&system.crm_client_secret, "acct-sunrise", "o", address(), unix_now() - 120),
                StatusCode::UNAUTHORIZED,
                "context_expired",
            ),
            (
                "not installed",
                context(&system.crm_client_secret, "acct-coastal", "o", address(), unix_now() + 300),
                StatusCode::FORBIDDEN,
                "not_installed",
            ),
            (
                "no site",
                context(&system.crm_client_secret, "acct-sunrise", "o", json!({}), unix_now() + 300),
                StatusCode::UNPROCESSABLE_ENTITY,
                "incomplete_context",
            ),
            (
                "another algorithm",
                hs512_context(&system.crm_client_secret),
                StatusCode::UNAUTHORIZED,
                "invalid_context",
            ),
        ] {
            let (got, body) = post_session(system, &token).await;
            assert_eq!((got, body["error"]["code"].as_str()), (status, Some(code)), "{name}: {body}");
            assert!(body.get("token").is_none(), "{name}: no token");
        }
    }

    #[tokio::test]
    async fn accounts_are_isolated_from_each_other() {
        let (system, _turn) = system().await;
        let sunrise = widget_token(system, "acct-sunrise", "opp-c-shared").await;
        let (status, _) = create(system, &sunrise, "opp-c-shared").await;
        assert!(status.is_success());
        // Another account's opportunity with the same id knows nothing of it.
        let northwind = widget_token(system, "acct-northwind", "opp-c-shared").await;
        let theirs: Value = get_state(system, &northwind, "opp-c-shared", None).await.json().await.unwrap();
        assert_eq!(theirs["state"], "no_project");
        // A token reaches only its own opportunity.
        let response = get_state(system, &sunrise, "opp-c-other", None).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "wrong_opportunity");
        let garbage = get_state(system, "not-a-token", "opp-c-shared", None).await;
        assert_eq!(garbage.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(garbage.json::<Value>().await.unwrap()["error"]["code"], "invalid_token");
        // Nor does a token altered to pass for another account's.
        let forged = northwind.replace('.', ".x");
        assert_eq!(create(system, &forged, "opp-c-shared").await.0, StatusCode::UNAUTHORIZED);
    }

    #[tokio::test]
    async fn a_project_is_created_once_however_often_and_concurrently_it_is_asked() {
        let (system, _turn) = system().await;
        let token = widget_token(system, "acct-sunrise", "opp-c-once").await;
        let clicks = (0..6).map(|_| create(system, &token, "opp-c-once"));
        for (status, body) in futures_util::future::join_all(clicks).await {
            assert!(status.is_success(), "{status} {body}");
        }
        state_becomes(system, &token, "opp-c-once", "design_ready").await;
        let (status, again) = create(system, &token, "opp-c-once").await;
        assert_eq!(
            (status, again["state"].as_str()),
            (StatusCode::OK, Some("design_ready")),
            "a late click changes nothing"
        );
        let projects: std::collections::HashSet<String> = sandbox_designs_for(system, "opp-c-once")
            .await
            .iter()
            .map(|d| d["project_id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(projects.len(), 1, "one project in Aurora: {projects:?}");
    }

    #[tokio::test]
    async fn the_state_carries_an_etag_and_an_unchanged_state_costs_a_304() {
        let (system, _turn) = system().await;
        let token = widget_token(system, "acct-sunrise", "opp-c-etag").await;
        let first = get_state(system, &token, "opp-c-etag", None).await;
        assert_eq!(first.status(), StatusCode::OK);
        let etag = first.headers()[header::ETAG].to_str().unwrap().to_owned();
        let same = get_state(system, &token, "opp-c-etag", Some(&etag)).await;
        assert_eq!(same.status(), StatusCode::NOT_MODIFIED);
        assert!(same.bytes().await.unwrap().is_empty());
        create(system, &token, "opp-c-etag").await;
        let changed = get_state(system, &token, "opp-c-etag", Some(&etag)).await;
        assert_eq!(changed.status(), StatusCode::OK, "a new state, a new body");
        assert_ne!(changed.headers()[header::ETAG].to_str().unwrap(), etag);
    }

    #[tokio::test]
    async fn aurora_webhooks_need_the_header_and_a_repeat_is_a_duplicate() {
        let (system, _turn) = system().await;
        let token = widget_token(system, "acct-sunrise", "opp-c-hook").await;
        create(system, &token, "opp-c-hook").await;
        state_becomes(system, &token, "opp-c-hook", "design_ready").await;
        let design = sandbox_designs_for(system, "opp-c-hook").await.remove(0);
        let design_id = design["design"]["design_id"].as_str().unwrap().to_owned();
        let job_id = design["job_id"].as_str().unwrap().to_owned();
        let query = [
            ("design_id", design_id.as_str()),
            ("job_id", job_id.as_str()),
            ("status", "succeeded"),
            ("tenant_id", system.tenant.as_str()),
        ];
        assert_eq!(simulation_webhook(system, &query, None).await.0, StatusCode::UNAUTHORIZED, "no header");
        assert_eq!(
            simulation_webhook(system, &query, Some("wrong-token-value-0123456789")).await.0,
            StatusCode::UNAUTHORIZED
        );
        // Past the auth check nothing is turned away (Aurora would retry, then disable the
        // subscription): a delivery missing its status is acknowledged and recorded.
        let (status, body) = simulation_webhook(system, &query[..2], Some(&system.webhook_token)).await;
        assert_eq!((status, body["received"].as_bool()), (StatusCode::OK, Some(true)), "{body}");
        // Aurora already delivered this job once: ours is a repeat.
        let (status, body) = simulation_webhook(system, &query, Some(&system.webhook_token)).await;
        assert_eq!((status, body["duplicate"].as_bool()), (StatusCode::OK, Some(true)), "{body}");
    }

    #[tokio::test]
    async fn the_simulation_aurora_reports_last_wins_and_a_design_simulated_again_is_shown_again() {
        let (system, _turn) = system().await;
        let (token, project) = designed_project(system, "opp-c-order").await;
        // Two newer designs; their webhooks are ours to deliver.
        let newer = [newer_design(system, &project).await, newer_design(system, &project).await];
        let deliver = |design: &Value, job_id: String| {
            let design_id = design["design"]["design_id"].as_str().unwrap().to_owned();
            async move {
                let query = [
                    ("design_id", design_id.as_str()),
                    ("job_id", job_id.as_str()),
                    ("status", "succeeded"),
                    ("tenant_id", system.tenant.as_str()),
                ];
                let (status, body) = simulation_webhook(system, &query, Some(&system.webhook_token)).await;
                assert_eq!(status, StatusCode::OK, "{body}");
                body
            }
        };
        let token = token.as_str();
        let shows = |annual: f64, what: &'static str| async move {
            for _ in 0..60 {
                let state: Value = get_state(system, token, "opp-c-order", None).await.json().await.unwrap();
                if annual_shown(&state) == Some(annual) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            panic!("{what} never showed");
        };
        // A design's annual production (kWh, one decimal, from a random draw) tells designs apart.
        let (first, second) = (annual_of_sandbox_design(&newer[0]), annual_of_sandbox_design(&newer[1]));
        assert_ne!(first, second);
        deliver(&newer[0], newer[0]["job_id"].as_str().unwrap().to_owned()).await;
        deliver(&newer[1], newer[1]["job_id"].as_str().unwrap().to_owned()).await;
        shows(second, "the design simulated last").await;
        // Aurora re-simulates the first design (a new job of the same design): it was
        // reported last, so it shows again, although the other design is newer.
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        deliver(&newer[0], format!("rerun-{nanos}")).await;
        shows(first, "the design simulated again").await;
        // A repeat of an earlier delivery is a duplicate and changes nothing.
        let repeat = deliver(&newer[1], newer[1]["job_id"].as_str().unwrap().to_owned()).await;
        assert_eq!(repeat["duplicate"].as_bool(), Some(true), "{repeat}");
        tokio::time::sleep(Duration::from_secs(1)).await;
        let state: Value = get_state(system, token, "opp-c-order", None).await.json().await.unwrap();
        assert_eq!(annual_shown(&state), Some(first));
    }

    #[tokio::test]
    async fn a_webhook_acknowledged_while_aurora_is_down_is_processed_later_by_the_sweeper() {
        let (system, _turn) = system().await;
        let (token, project) = designed_project(system, "opp-c-sweep").await;
        let newer = newer_design(system, &project).await;
        aurora_faults(system, json!({ "server_error": 1.0 })).await;
        let query = [
            ("design_id", newer["design"]["design_id"].as_str().unwrap()),
            ("job_id", newer["job_id"].as_str().unwrap()),
            ("status", "succeeded"),
            ("tenant_id", system.tenant.as_str()),
        ];
        let (status, body) = simulation_webhook(system, &query, Some(&system.webhook_token)).await;
        assert_eq!(
            (status, body["received"].as_bool()),
            (StatusCode::OK, Some(true)),
            "acknowledged although Aurora is down"
        );
        // Longer than the Aurora client's own retries (5 attempts, about 8 s at most): the
        // request-time processing gives up, and only the sweeper can finish it.
        tokio::time::sleep(Duration::from_secs(12)).await;
        let newest = annual_of_sandbox_design(&newer);
        let state: Value = get_state(system, &token, "opp-c-sweep", None).await.json().await.unwrap();
        assert_ne!(annual_shown(&state), Some(newest), "not processed while Aurora is down");
        aurora_faults(system, json!({})).await;
        for _ in 0..120 {
            let state: Value = get_state(system, &token, "opp-c-sweep", None).await.json().await.unwrap();
            if annual_shown(&state) == Some(newest) {
                return;
            }
            system.sweep().await;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        panic!("the sweeper never processed the acknowledged webhook");
    }

    #[tokio::test]
    async fn errors_are_json_with_a_code_and_bodies_are_limited() {
        let (system, _turn) = system().await;
        let token = widget_token(system, "acct-sunrise", "opp-c-errors").await;
        let http = reqwest::Client::new();
        let url = format!("{}/v1/sessions", system.worker);
        let cases = [
            (
                "malformed",
                http.post(&url).header("content-type", "application/json").body("{not json"),
                StatusCode::BAD_REQUEST,
                "malformed_json",
            ),
            ("wrong shape", http.post(&url).json(&json!({"crm": 5})), StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
            (
                "not JSON",
                http.post(&url).header("content-type", "text/plain").body("{}"),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "not_json",
            ),
            (
                "too large",
                http.post(&url)
                    .header("content-type", "application/json")
                    .body(format!("{{\"crm\":\"{}\"}}", "x".repeat(70 * 1024))),
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
            ),
            (
                "unknown CRM",
                http.post(&url).json(&json!({"crm": "nope", "context": "x"})),
                StatusCode::BAD_REQUEST,
                "unknown_crm",
            ),
            (
                "no such endpoint",
                http.get(format!("{}/v1/nothing-here", system.worker)),
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                "missing field",
                http.post(&url).json(&json!({"crm": "demo"})),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
            ),
            ("wrong method", http.put(&url), StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            (
                "a path that is not UTF-8",
                http.get(format!("{}/v1/opportunities/%FF", system.worker)).bearer_auth(&token),
                StatusCode::BAD_REQUEST,
                "invalid_path",
            ),
            (
                "a form without its fields",
                http.post(format!("{}/settings/demo/acct-sunrise/tenant", system.worker))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body("tenant_id=x"),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_form",
            ),
        ];
        for (name, request, status, code) in cases {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), status, "{name}");
            assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json", "{name}");
            let body: Value = response.json().await.unwrap_or_default();
            assert_eq!(body["error"]["code"], code, "{name}: {body}");
            assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{name}: {body}");
        }
    }

    #[tokio::test]
    async fn cors_is_for_crm_origins_only_and_embed_pages_name_their_frame_ancestors() {
        let (system, _turn) = system().await;
        let http = reqwest::Client::new();
        let preflight = |origin: &str| {
            http.request(reqwest::Method::OPTIONS, format!("{}/v1/sessions", system.worker))
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type")
                .send()
        };
        let allowed = preflight(&system.crm).await.unwrap();
        assert_eq!(
            allowed.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok()),
            Some(system.crm.as_str())
        );
        let evil = preflight("https://evil.example").await.unwrap();
        assert!(evil.headers().get("access-control-allow-origin").is_none(), "no CORS for other origins");
        let signed = context(&system.crm_client_secret, "acct-sunrise", "opp-c-frame", address(), unix_now() + 300);
        let embed = http.get(format!("{}/embed/demo?context={signed}", system.worker)).send().await.unwrap();
        assert_eq!(embed.status(), StatusCode::OK);
        let policy = embed.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(policy.contains(&format!("frame-ancestors {}", system.crm)), "{policy}");
    }

    #[tokio::test]
    async fn crm_webhooks_are_verified_and_a_replay_does_nothing() {
        let (system, _turn) = system().await;
        let now = unix_now() as i64;
        let id = format!("dlv_conformance_{now}");
        let body = json!({
            "id": id, "event": "opportunity.created", "account_id": "acct-sunrise", "occurred_at": now,
            "opportunity": { "id": "opp-c-crm", "name": "Conformance", "property_address": "1 Main St, Fresno, CA" }
        })
        .to_string();
        let send = |headers: Vec<(&'static str, String)>| {
            let mut request =
                reqwest::Client::new().post(format!("{}/webhooks/crm/demo", system.worker)).body(body.clone());
            for (name, value) in headers {
                request = request.header(name, value);
            }
            request.send()
        };
        let forged = send(crm_webhook_headers("not-the-crms-secret-0123456789abcdef", &id, now, &body)).await.unwrap();
        assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
        let stale = send(crm_webhook_headers(&system.crm_client_secret, &id, now - 301, &body)).await.unwrap();
        assert_eq!(stale.status(), StatusCode::UNAUTHORIZED);
        let first: Value =
            send(crm_webhook_headers(&system.crm_client_secret, &id, now, &body)).await.unwrap().json().await.unwrap();
        assert_eq!(first["duplicate"], false, "{first}");
        let replay: Value =
            send(crm_webhook_headers(&system.crm_client_secret, &id, now, &body)).await.unwrap().json().await.unwrap();
        assert_eq!(replay["duplicate"], true, "{replay}");
    }

    /// A Canvas signed request as Salesforce makes one: `base64(HMAC-SHA256(secret,
    /// payload)) "." payload`, both standard base64.
    fn signed_request(secret: &str, org: &str, opportunity: &str) -> String {
        use base64::{Engine, engine::general_purpose::STANDARD};
        use hmac::{Hmac, Mac};
        let payload = STANDARD.encode(
            json!({
                "algorithm": "HMACSHA256", "issuedAt": unix_now(), "userId": "0058a0000100002AAA",
                "client": { "oauthToken": "00D8a0000100001!ARconformance", "instanceId": "_:Aurora_Solar_Canvas:x",
                            "targetOrigin": "https://sunrise-solar.my.salesforce.com", "instanceUrl": "https://sunrise-solar.my.salesforce.com" },
                "context": { "organization": { "organizationId": org }, "user": { "userId": "0058a0000100002AAA" },
                             "environment": { "parameters": { "recordId": opportunity }, "locationUrl": "https://sunrise-solar.lightning.force.com/lightning/r/Opportunity/x/view" } }
            })
            .to_string(),
        );
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(payload.as_bytes());
        format!("{}.{payload}", STANDARD.encode(mac.finalize().into_bytes()))
    }

    async fn post_canvas(system: &System, signed: &str) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let response = reqwest::Client::new()
            .post(format!("{}/embed/salesforce", system.worker))
            .form(&[("signed_request", signed)])
            .send()
            .await
            .unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        (status, response.text().await.unwrap(), headers)
    }

    #[tokio::test]
    async fn the_canvas_door_takes_only_signed_requests_of_installed_orgs() {
        let (system, _turn) = system().await;
        let secret = &system.salesforce_client_secret;
        // Signed with another secret: refused, as a page the frame can show.
        let forged = signed_request("not-the-consumer-secret-at-all", "00D8a0000900001AAA", "0068a0000900001AAA");
        let (status, page, headers) = post_canvas(system, &forged).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{page}");
        assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
        assert!(page.contains("Salesforce could not vouch for this page"), "{page}");
        // Signed well, by an org that never installed: refused, and again the same way when
        // the same request comes again (Salesforce may resend one; a replay of a request
        // whose session Salesforce does not vouch for is refused: worker/tests/salesforce.rs).
        let genuine = signed_request(secret, "00D8a0000900001AAA", "0068a0000900001AAA");
        for _ in 0..2 {
            let (status, page, _) = post_canvas(system, &genuine).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
            assert!(page.contains("Aurora Solar is not installed for your Salesforce org"), "{page}");
        }
        // No signed request at all: our JSON error, not a crash.
        let response = reqwest::Client::new()
            .post(format!("{}/embed/salesforce", system.worker))
            .form(&[("something", "else")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // Other CRMs have no POST door.
        let response = reqwest::Client::new()
            .post(format!("{}/embed/demo", system.worker))
            .form(&[("signed_request", "x.y")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    }

    /// A Pipedrive panel token, as Pipedrive signs it (HS256, the client secret).
    fn panel_token(secret: &str, user: u64, company: u64) -> String {
        let claims = json!({ "userId": user, "companyId": company, "iat": unix_now(), "exp": unix_now() + 300 });
        jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn the_pipedrive_doors_open_only_with_pipedrives_credentials() {
        let (system, _turn) = system().await;
        let secret = &system.pipedrive_client_secret;
        let panel = |token: &str, company: &str| {
            format!(
                "{}/embed/pipedrive?userId=91&companyId={company}&token={token}&id=rt&resource=deal&selectedIds=5",
                system.worker
            )
        };
        // A token from another secret, or hints that contradict the token: refused.
        let forged = reqwest::get(panel(&panel_token("not-the-client-secret-at-all", 91, 9009), "9009")).await.unwrap();
        assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
        let genuine = panel_token(secret, 91, 9009);
        let lying = reqwest::get(panel(&genuine, "9010")).await.unwrap();
        assert_eq!(lying.status(), StatusCode::UNAUTHORIZED);
        // A good token of a company that never installed: said so, as a page.
        let uninstalled = reqwest::get(panel(&genuine, "9009")).await.unwrap();
        assert_eq!(uninstalled.status(), StatusCode::FORBIDDEN);
        let page = uninstalled.text().await.unwrap();
        assert!(page.contains("Aurora Solar is not installed for your Pipedrive company"), "{page}");
        // Webhooks and the uninstall call without Pipedrive's credentials: refused.
        let http = reqwest::Client::new();
        let webhook = http
            .post(format!("{}/webhooks/crm/pipedrive", system.worker))
            .basic_auth("aurora-crm-worker", Some("guessed"))
            .json(&json!({ "meta": { "company_id": 9009, "id": "e1", "action": "create", "entity": "deal", "entity_id": 5 } }))
            .send()
            .await
            .unwrap();
        assert_eq!(webhook.status(), StatusCode::UNAUTHORIZED);
        let uninstall = http
            .delete(format!("{}/install/pipedrive/callback", system.worker))
            .basic_auth("aurora-solar-pipedrive-local-client", Some("guessed"))
            .json(&json!({ "company_id": 9009 }))
            .send()
            .await
            .unwrap();
        assert_eq!(uninstall.status(), StatusCode::UNAUTHORIZED);
        // The demo CRM has no uninstall call of its own.
        let demo = http.delete(format!("{}/install/demo/callback", system.worker)).send().await.unwrap();
        assert_eq!(demo.status(), StatusCode::METHOD_NOT_ALLOWED);
    }

    /// `X-HubSpot-Signature-v3` as HubSpot computes it (its URI escapes are not needed here).
    fn hubspot_signed(secret: &str, method: &str, url: &str, body: &[u8]) -> [(&'static str, String); 2] {
        use base64::Engine;
        use hmac::Mac;
        let timestamp = (unix_now() * 1000).to_string();
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        for part in [method.as_bytes(), url.as_bytes(), body, timestamp.as_bytes()] {
            mac.update(part);
        }
        let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        [("X-HubSpot-Signature-v3", signature), ("X-HubSpot-Request-Timestamp", timestamp)]
    }

    #[tokio::test]
    async fn the_hubspot_doors_open_only_with_hubspots_signature() {
        let (system, _turn) = system().await;
        let secret = &system.hubspot_client_secret;
        let http = reqwest::Client::new();
        let send = |url: String, body: &'static [u8], headers: [(&'static str, String); 2]| {
            let mut request = http.post(url).header("Content-Type", "application/json").body(body);
            for (name, value) in headers {
                request = request.header(name, value);
            }
            request.send()
        };
        let card = format!("{}/embed/hubspot/card?appId=4242001&portalId=9009&userId=91", system.worker);
        let body: &[u8] = br#"{"dealId":5001}"#;
        // The URL the worker rebuilds (its public URL + what reached it) is the one signed.
        let signed = hubspot_signed(secret, "POST", &card, body);
        let first = send(card.clone(), body, signed.clone()).await.unwrap();
        assert_eq!(first.status(), StatusCode::FORBIDDEN);
        assert_eq!(first.json::<Value>().await.unwrap()["error"]["code"], "not_installed");
        let replay = send(card.clone(), body, signed).await.unwrap();
        assert_eq!(replay.json::<Value>().await.unwrap()["error"]["code"], "signed_request_replayed");
        let forged = send(card.clone(), body, hubspot_signed("not-the-client-secret-at-all", "POST", &card, body));
        assert_eq!(forged.await.unwrap().status(), StatusCode::UNAUTHORIZED);
        let twice = format!("{card}&portalId=9010");
        let repeated = send(twice.clone(), body, hubspot_signed(secret, "POST", &twice, body)).await.unwrap();
        assert_eq!(repeated.status(), StatusCode::UNAUTHORIZED);

        // Webhooks: signed over the target URL, for a portal that never installed: taken
        // and ignored; unsigned or signed with another secret: refused.
        let target = format!("{}/webhooks/crm/hubspot", system.worker);
        let events: &[u8] = br#"[{"eventId":77,"portalId":9009,"subscriptionType":"object.creation","objectTypeId":"0-3","objectId":5}]"#;
        let taken = send(target.clone(), events, hubspot_signed(secret, "POST", &target, events)).await.unwrap();
        assert_eq!(taken.status(), StatusCode::OK);
        assert_eq!(taken.json::<Value>().await.unwrap()["ignored"], "not installed");
        let refused =
            send(target.clone(), events, hubspot_signed("not-the-client-secret-at-all", "POST", &target, events));
        assert_eq!(refused.await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
}
