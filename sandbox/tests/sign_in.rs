//! What every CRM stand-in's sign-in does the same way (`sandbox::kit`), tried on each as a
//! browser would: a wrong password keeps the return address (an install's consent) and
//! what was typed; signing in goes back there; every page says who is signed in; signing
//! out ends the session.

use clap::Parser;
use reqwest::{StatusCode, header};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    salesforce: sandbox::salesforce::Settings,
    #[command(flatten)]
    pipedrive: sandbox::pipedrive::Settings,
    #[command(flatten)]
    hubspot: sandbox::hubspot::Settings,
}

/// One stand-in's sign-in, in its vendor's words.
struct Door {
    origin: String,
    login: &'static str,
    back_field: &'static str,
    user_field: &'static str,
    user: &'static str,
    logout: &'static str,
    home: &'static str,
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    origin
}

async fn doors() -> Vec<Door> {
    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    let cli = Cli::parse_from([
        "test",
        "--salesforce-consumer-secret",
        SECRET,
        "--pipedrive-client-secret",
        SECRET,
        "--hubspot-client-secret",
        SECRET,
    ]);
    let worker = "http://127.0.0.1:9";
    let salesforce = sandbox::salesforce::Salesforce::new(cli.salesforce, 0, worker).expect("valid").expect("on");
    let pipedrive = sandbox::pipedrive::Pipedrive::new(cli.pipedrive, 0, worker).expect("valid").expect("on");
    let hubspot = sandbox::hubspot::HubSpot::new(cli.hubspot, 0, worker).expect("valid").expect("on");
    vec![
        Door {
            origin: serve(sandbox::salesforce::router(salesforce)).await,
            login: "/login",
            back_field: "startURL",
            user_field: "username",
            user: "alex@sunrise-solar.example",
            logout: "/secur/logout.jsp",
            home: "/lightning/o/Opportunity/list",
        },
        Door {
            origin: serve(sandbox::pipedrive::router(pipedrive)).await,
            login: "/auth/login",
            back_field: "return_url",
            user_field: "email",
            user: "hana@helio.example",
            logout: "/auth/logout",
            home: "/",
        },
        Door {
            origin: serve(sandbox::hubspot::router(hubspot)).await,
            login: "/login",
            back_field: "loginRedirectUrl",
            user_field: "email",
            user: "sam@summit.example",
            logout: "/logout",
            home: "/",
        },
    ]
}

#[tokio::test]
async fn each_stand_in_keeps_the_way_back_across_a_wrong_password_shows_who_is_signed_in_and_signs_out() {
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    for door in doors().await {
        let back = "/oauth/authorize?client_id=x&state=s";
        let login = format!("{}{}", door.origin, door.login);
        let wrong = browser
            .post(&login)
            .form(&[(door.back_field, back), (door.user_field, door.user), ("password", "not-it")])
            .send()
            .await
            .expect("wrong password");
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "{login}");
        let page = wrong.text().await.expect("page");
        assert!(page.contains("value=\"/oauth/authorize?client_id=x&amp;state=s\""), "{login}: {page}");
        assert!(page.contains(&format!("value=\"{}\"", door.user)), "{login}: what was typed is kept");
        assert!(page.contains("role=alert"), "{login}: {page}");

        let signed = browser
            .post(&login)
            .form(&[(door.back_field, back), (door.user_field, door.user), ("password", "demo")])
            .send()
            .await
            .expect("sign in");
        assert!(signed.status().is_redirection(), "{login}: {}", signed.status());
        assert_eq!(signed.headers()[header::LOCATION], back, "{login}: back to where the install was");
        let cookie = signed.headers()[header::SET_COOKIE].to_str().expect("cookie").split(';').next().expect("pair");
        let cookie = cookie.to_owned();

        let home = format!("{}{}", door.origin, door.home);
        let shown = browser.get(&home).header(header::COOKIE, &cookie).send().await.expect("home");
        let page = shown.text().await.expect("page");
        assert!(page.contains("Signed in as") && page.contains(door.user), "{home}: {page}");
        assert!(page.contains(door.logout), "{home}: a way to sign out");

        let out = browser
            .post(format!("{}{}", door.origin, door.logout))
            .header(header::COOKIE, &cookie)
            .send()
            .await
            .expect("sign out");
        assert!(out.status().is_redirection(), "{}", door.logout);
        let after = browser.get(&home).header(header::COOKIE, &cookie).send().await.expect("home again");
        assert!(after.status().is_redirection(), "{home}: the old session no longer opens it");
    }
}

/// The demo CRM keeps what was typed too: the email after a wrong password, and every
/// field of a new opportunity the form refused.
#[tokio::test]
async fn the_demo_crm_keeps_what_was_typed_after_an_error() {
    use sandbox::demo_crm;
    let crm = demo_crm::Crm::new(
        demo_crm::Settings {
            worker_url: "http://127.0.0.1:9".into(),
            client_id: "aurora-solar-for-crms".into(),
            client_secret: "0123456789abcdef0123456789abcdef".into(),
            access_token_ttl_seconds: 3600,
            faults: Default::default(),
        }
        .validated()
        .expect("settings"),
    );
    let origin = serve(demo_crm::router(crm)).await;
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let wrong = browser
        .post(format!("{origin}/login"))
        .form(&[("next", "/marketplace"), ("email", "ana@sunrise.example"), ("password", "not-it")])
        .send()
        .await
        .expect("wrong password");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let page = wrong.text().await.expect("page");
    assert!(page.contains("value=\"ana@sunrise.example\"") && page.contains("value=\"/marketplace\""), "{page}");

    let signed = browser
        .post(format!("{origin}/login"))
        .form(&[("next", "/opportunities/new"), ("email", "ana@sunrise.example"), ("password", "demo")])
        .send()
        .await
        .expect("sign in");
    let cookie = signed.headers()[header::SET_COOKIE].to_str().expect("cookie").split(';').next().expect("pair");
    let cookie = cookie.to_owned();
    let form = browser.get(format!("{origin}/opportunities/new")).header(header::COOKIE, &cookie).send().await;
    let form = form.expect("form").text().await.expect("page");
    let csrf = form.split("name=csrf value=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("csrf");
    let refused = browser
        .post(format!("{origin}/opportunities"))
        .header(header::COOKIE, &cookie)
        .form(&[
            ("csrf", csrf),
            ("name", "Okafor - Rooftop"),
            ("customer", "Ada Okafor"),
            ("latitude", "123"),
            ("longitude", "-122.1"),
        ])
        .send()
        .await
        .expect("refused");
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.expect("page");
    for kept in ["Okafor - Rooftop", "Ada Okafor", "123", "-122.1"] {
        assert!(page.contains(&format!("value=\"{kept}\"")), "{kept}: {page}");
    }
}
