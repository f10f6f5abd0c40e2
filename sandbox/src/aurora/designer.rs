//! The simulated designer: some time after a project is created, a design appears and its
//! performance simulation completes (`succeeded`, or `failed` for a share), firing
//! `performance_simulation_job_completed`. Designs are deterministic for a seed and
//! plausible for the location: specific yield 700..2,100 kWh per kW DC per year,
//! following latitude; months shaped by season and hemisphere; months sum to the annual.

use super::{Sandbox, state::DesignRecord, webhooks};
use aurora_api::{
    DesignId, JobId, KilowattHours, Project, ProjectLocation, TenantId, Timestamp, Watts,
    designs::{
        AnnualPercent, Array, Battery, BomItem, Component, ComponentType, DesignSummary, EnergyProduction, Inverter,
        Module, Shading, SolarAccess, StringInverterRef,
    },
    webhooks::{WebhookEvent, placeholders},
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::{
    hash::{DefaultHasher, Hash, Hasher},
    time::Duration,
};

/// Starts designing `project` in the background.
pub fn start(sandbox: Sandbox, tenant: TenantId, project: Project) {
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(sandbox.settings.designer.design_delay_ms)).await;
        complete(&sandbox, tenant, &project, true);
    });
}

/// Makes the project's next design (each differs: the designer's revision seeds it),
/// stores it, and fires the webhook when `fire`.
pub fn complete(sandbox: &Sandbox, tenant: TenantId, project: &Project, fire: bool) -> DesignRecord {
    let settings = &sandbox.settings.designer;
    let revision = sandbox
        .state()
        .tenants
        .get(&tenant)
        .and_then(|t| t.projects.get(&project.id))
        .map_or(0, |p| p.designs.len() as u64);
    let mut rng = rng_for(settings.design_seed.wrapping_add(revision), project);
    let succeeded = !rng.random_bool(settings.simulation_failure_share.clamp(0.0, 1.0));
    let location =
        project.location.clone().unwrap_or(ProjectLocation::Coordinates { latitude: 37.4, longitude: -122.1 });
    let mut summary = generate(&mut rng, project, &location, chrono::Utc::now());
    if !succeeded {
        // A failed simulation leaves no production: the summary has no energy_production.
        summary.energy_production = None;
    }
    if sandbox.state().variance.enabled {
        // Aurora's own tutorial examples carry no `created_at` [doc].
        summary.created_at = None;
    }
    let variance = sandbox.state().variance.enabled;
    // Aurora types the job id as a string [doc]: under variance it is not a UUID.
    let job = if variance {
        JobId::parse(&format!("job_{:012x}", rng.random::<u64>() >> 16))
            .unwrap_or_else(|_| JobId::from(random_uuid(&mut rng)))
    } else {
        JobId::from(random_uuid(&mut rng))
    };
    let record = DesignRecord { tenant, project: project.id, job, succeeded, summary };
    {
        let mut state = sandbox.state();
        if let Some(p) = state.tenants.get_mut(&tenant).and_then(|t| t.projects.get_mut(&project.id)) {
            p.designs.push(record.summary.design_id);
        }
        state.designs.insert(record.summary.design_id, record.clone());
    }
    let status = if succeeded { "succeeded" } else { "failed" };
    tracing::info!("aurora designer: project {} design {} simulation {status}", project.id, record.summary.design_id);
    if !fire {
        return record;
    }
    let design_id = record.summary.design_id.to_string();
    let job_id = record.job.to_string();
    if variance {
        // Under variance the job reports its progress before its end.
        webhooks::fire(
            sandbox,
            WebhookEvent::PerformanceSimulationJobCompleted,
            tenant,
            &[
                (placeholders::DESIGN_ID, &design_id),
                (placeholders::JOB_ID, &job_id),
                (placeholders::STATUS, "in-progress"),
            ],
        );
    }
    webhooks::fire(
        sandbox,
        WebhookEvent::PerformanceSimulationJobCompleted,
        tenant,
        &[(placeholders::DESIGN_ID, &design_id), (placeholders::JOB_ID, &job_id), (placeholders::STATUS, status)],
    );
    record
}

fn rng_for(seed: u64, project: &Project) -> StdRng {
    // The project's external id when it has one (stable across runs), else its id.
    let mut hasher = DefaultHasher::new();
    seed.hash(&mut hasher);
    match &project.external_provider_id {
        Some(external) => external.hash(&mut hasher),
        None => project.id.0.hash(&mut hasher),
    }
    StdRng::seed_from_u64(hasher.finish())
}

fn random_uuid(rng: &mut StdRng) -> uuid::Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

/// Latitude of a location. The sandbox has no geocoder: an address maps to a stable
/// latitude across the contiguous US (25..48 N) by hashing its text.
pub fn latitude_of(location: &ProjectLocation) -> f64 {
    match location {
        ProjectLocation::Coordinates { latitude, .. } => *latitude,
        ProjectLocation::Address { property_address } => {
            let mut hasher = DefaultHasher::new();
            property_address.to_lowercase().hash(&mut hasher);
            25.0 + (hasher.finish() % 2300) as f64 / 100.0
        }
    }
}

/// kWh per kW DC per year before shading: highest near 20-25 degrees, falling towards the
/// poles, kept within what real systems produce.
pub fn specific_yield(latitude: f64) -> f64 {
    let distance = (latitude.abs() - 22.0).abs();
    (1950.0 - 22.0 * distance).clamp(760.0, 2000.0)
}

/// Twelve monthly weights summing to 1: a cosine peaking mid-summer (June/July north,
/// December/January south), deeper the farther from the equator.
pub fn monthly_shape(latitude: f64) -> [f64; 12] {
    let amplitude = (latitude.abs() / 60.0).clamp(0.08, 0.75);
    let peak = if latitude >= 0.0 { 5.5 } else { 11.5 };
    let mut weights = [0.0; 12];
    for (month, weight) in weights.iter_mut().enumerate() {
        let angle = 2.0 * std::f64::consts::PI * (month as f64 - peak) / 12.0;
        *weight = 1.0 + amplitude * angle.cos();
    }
    let total: f64 = weights.iter().sum();
    weights.map(|w| w / total)
}

fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// A plausible design for `project` at `location`.
pub fn generate(
    rng: &mut StdRng,
    project: &Project,
    location: &ProjectLocation,
    now: chrono::DateTime<chrono::Utc>,
) -> DesignSummary {
    let latitude = latitude_of(location);
    let southern = latitude < 0.0;
    let module_rating = [400.0, 410.0, 420.0, 430.0][rng.random_range(0..4)];
    let module_count: u32 = rng.random_range(12..=36);
    let micro = rng.random_bool(0.4);
    let with_storage = rng.random_bool(0.4);
    let array_count = rng.random_range(1..=3u32).min(module_count / 6).max(1);
    let module_id = random_uuid(rng).to_string();
    let inverter_id = random_uuid(rng).to_string();
    let module_name = format!("Sandbox Solar SX-{}", module_rating as u32);

    // Split modules across arrays; the first takes the remainder.
    let per_array = module_count / array_count;
    let mut arrays = Vec::new();
    for index in 0..array_count {
        let count = if index == 0 { module_count - per_array * (array_count - 1) } else { per_array };
        let facing = if southern { 0.0 } else { 180.0 };
        let azimuth = round1((facing + rng.random_range(-90.0..90.0) + 360.0) % 360.0);
        let access: f64 = round1(rng.random_range(82.0..98.0));
        let monthly_access =
            (0..12).map(|_| Some(round1((access + rng.random_range(-6.0..4.0)).clamp(50.0, 100.0)))).collect();
        arrays.push(Array {
            size: Some(Watts(module_rating * f64::from(count))),
            azimuth: Some(azimuth),
            configuration: Some(if micro { "microinverter" } else { "string inverter" }.into()),
            dc_optimizer: None,
            microinverter: micro.then(|| Component {
                id: Some(inverter_id.clone()),
                name: Some("Sandbox Micro M400".into()),
                count: Some(count),
                rated_power: Some(Watts(384.0)),
            }),
            module: Some(Module {
                id: Some(module_id.clone()),
                rating_stc: Some(Watts(module_rating)),
                name: Some(module_name.clone()),
                count: Some(count),
                orientation: Some(if rng.random_bool(0.7) { "portrait" } else { "landscape" }.into()),
            }),
            face: Some(index + 1),
            ground_mounted: false,
            pitch: Some(round1(rng.random_range(14.0..36.0))),
            string_inverter: (!micro).then_some(StringInverterRef { index: 1 }),
            shading: Some(Shading {
                solar_access: Some(SolarAccess { annual: Some(access), monthly: monthly_access }),
                total_solar_resource_fraction: Some(AnnualPercent {
                    annual: round1(access - rng.random_range(2.0..8.0)),
                }),
            }),
        });
    }

    let stc = module_rating * f64::from(module_count);
    let ac = if micro { 384.0 * f64::from(module_count) } else { (stc / 1.2 / 100.0).round() * 100.0 };
    let mean_access = arrays.iter().filter_map(|a| a.shading.as_ref()?.solar_access.as_ref()?.annual).sum::<f64>()
        / f64::from(array_count);
    // Shading lowers yield, but never below what real systems make (>= 700 kWh/kW).
    let yield_per_kw = (specific_yield(latitude) * mean_access / 100.0).clamp(720.0, 2050.0);
    let shape = monthly_shape(latitude);
    let monthly = shape.map(|w| KilowattHours(round1(stc / 1000.0 * yield_per_kw * w)));
    let annual = round1(monthly.iter().map(|m| m.0).sum());
    let monthly = monthly.map(Some).to_vec();
    let consumption: f64 = rng.random_range(6000.0..14000.0);

    let part = |id: &str, kind: ComponentType, name: &str, maker: &str, quantity: f64| BomItem {
        id: Some(id.to_owned()),
        component_type: Some(kind),
        sku: None,
        name: Some(name.to_owned()),
        manufacturer_name: Some(maker.to_owned()),
        quantity: Some(quantity),
    };
    let mut bill_of_materials = vec![BomItem {
        sku: Some(format!("SX-{}", module_rating as u32)),
        ..part(&module_id, ComponentType::Modules, &module_name, "Sandbox Solar", f64::from(module_count))
    }];
    let string_inverters = if micro {
        bill_of_materials.push(part(
            &inverter_id,
            ComponentType::Microinverters,
            "Sandbox Micro M400",
            "Sandbox Power",
            f64::from(module_count),
        ));
        Vec::new()
    } else {
        let name = format!("Sandbox String {:.1} kW", ac / 1000.0);
        bill_of_materials.push(part(&inverter_id, ComponentType::Inverters, &name, "Sandbox Power", 1.0));
        vec![Inverter { id: Some(inverter_id), name: Some(name), rated_power: Some(Watts(ac)) }]
    };
    let (storage_inverters, batteries, mode) = if with_storage {
        let battery_id = random_uuid(rng).to_string();
        let battery_name = "Sandbox PowerWall 13.5 kWh";
        bill_of_materials.push(part(&battery_id, ComponentType::Batteries, battery_name, "Sandbox Storage", 1.0));
        let battery = Battery { id: Some(battery_id), name: Some(battery_name.into()), has_integrated_inverter: true };
        let inverter = Inverter {
            id: Some(random_uuid(rng).to_string()),
            name: Some("Sandbox Storage Inverter 5.8 kW".into()),
            rated_power: Some(Watts(5800.0)),
        };
        let mode = if rng.random_bool(0.5) { "backup" } else { "self_consumption" };
        (vec![inverter], vec![battery], Some(mode.to_owned()))
    } else {
        (Vec::new(), Vec::new(), None)
    };

    DesignSummary {
        design_id: DesignId(random_uuid(rng)),
        design_request_id: None,
        external_provider_id: project.external_provider_id.clone(),
        project_id: project.id,
        created_at: Some(Timestamp::iso8601(now)),
        bill_of_materials,
        system_size_ac: Some(Watts(ac)),
        system_size_ptc: Some(Watts((stc * 0.91).round())),
        system_size_stc: Some(Watts(stc)),
        arrays,
        string_inverters,
        storage_inverters,
        batteries,
        energy_production: Some(EnergyProduction {
            up_to_date: true,
            annual: Some(KilowattHours(annual)),
            annual_offset: Some(format!("{:.0}%", (annual / consumption * 100.0).min(150.0))),
            monthly,
        }),
        storage_selected_operating_mode: mode,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aurora_api::ProjectId;

    fn project(external: &str) -> Project {
        Project {
            id: ProjectId(uuid::Uuid::nil()),
            name: None,
            external_provider_id: Some(external.into()),
            location: None,
            created_at: None,
        }
    }

    fn design_at(seed: u64, location: ProjectLocation, external: &str) -> DesignSummary {
        let p = project(external);
        generate(&mut rng_for(seed, &p), &p, &location, chrono::DateTime::UNIX_EPOCH)
    }

    #[test]
    fn production_is_plausible_everywhere() {
        for latitude in [-55.0, -33.9, -5.0, 0.0, 19.4, 37.4, 47.6, 60.2, 69.6] {
            for seed in 0..20 {
                let design = design_at(seed, ProjectLocation::Coordinates { latitude, longitude: 10.0 }, "opp");
                let production = design.energy_production.as_ref().expect("production");
                let yield_per_kw = design.specific_yield().expect("yield");
                assert!((700.0..=2100.0).contains(&yield_per_kw), "lat {latitude}: {yield_per_kw} kWh/kW");
                let months: f64 = production.monthly.iter().flatten().map(|m| m.0).sum();
                let annual = production.annual.expect("annual").0;
                assert!((months - annual).abs() <= annual * 0.01, "months sum to annual");
                assert!(
                    production.offset_percent().is_some(),
                    "offset is a percent string: {:?}",
                    production.annual_offset
                );
                let array_watts: f64 = design.arrays.iter().filter_map(|a| a.size).map(|w| w.0).sum();
                assert_eq!(Some(Watts(array_watts)), design.system_size_stc);
            }
        }
    }

    #[test]
    fn seasons_follow_the_hemisphere() {
        let north = monthly_shape(45.0);
        let south = monthly_shape(-35.0);
        assert!(north[5] > north[11] * 1.5, "June beats December in the north");
        assert!(south[0] > south[6] * 1.3, "January beats July in the south");
        let equator = monthly_shape(1.0);
        assert!(equator[5] / equator[11] < 1.2, "little season at the equator");
        assert!((north.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn deterministic_for_a_seed_and_different_across_seeds() {
        let at = ProjectLocation::address("901 Mears Ct, Stanford, CA 94305").expect("valid");
        assert_eq!(design_at(7, at.clone(), "opp-1"), design_at(7, at.clone(), "opp-1"));
        assert_ne!(design_at(7, at.clone(), "opp-1"), design_at(8, at.clone(), "opp-1"));
        assert_eq!(
            latitude_of(&at),
            latitude_of(&ProjectLocation::address("901 MEARS CT, STANFORD, CA 94305").expect("valid"))
        );
        assert!((25.0..48.0).contains(&latitude_of(&at)));
    }
}
