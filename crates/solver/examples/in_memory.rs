//! The whole pipeline from text in memory, without touching the file system: a tiny data set
//! (one province, three municipalities), a scenario whose `extends` is resolved from a map,
//! validation, the solve, and one municipality's explanation in Dutch.
//!
//! Run: `cargo run --release -p spreiding-solver --example in_memory`

#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    reason = "tests, benchmarks and examples: a panic is the failure, with its message; numbers are small"
)]

use spreiding_solver::explain::{dutch, explain};
use spreiding_solver::io::{self, DatasetSources, Resolver, Source};
use spreiding_solver::model::{Commodity, MunicipalityCode};
use std::collections::BTreeMap;

/// Scenario texts by name: what a service would hold for the scenarios it serves.
struct Served(BTreeMap<&'static str, &'static str>);

impl Resolver for Served {
    fn extends(&mut self, _from: &Source, name: &str) -> Result<(String, Source), String> {
        let text = self.0.get(name).ok_or_else(|| format!("no served scenario `{name}`"))?;
        Ok((name.to_owned(), Source::new(name, *text)))
    }

    fn dataset(&mut self, _from: &Source, name: &str) -> Result<String, String> {
        (name == "mini").then(|| name.to_owned()).ok_or_else(|| format!("no data set `{name}`; this one serves `mini`"))
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sources = DatasetSources {
        label: "mini".to_owned(),
        cycle: Source::new(
            "cycle.toml",
            "id = \"2024-2026\"\nnational_total = 110\nnational_amv = 10\nstart = 2024-02-01\n\
             report_deadline = 2024-11-01\ncounting_date = 2025-07-01\nend = 2026-02-01\n",
        ),
        provinces: Source::new(
            "provinces.csv",
            "code,name,target_regular,target_amv,offered_2024_11,offered_2024_11_source\n\
             PV20,Groningen,100,10,40,example\n",
        ),
        municipalities: Source::new(
            "municipalities.csv",
            "code,name,province,population,welvaart_proxy,indicative_regular,indicative_amv,indicative_source,corop\n\
             GM0001,Aadorp,PV20,20000,0.1,50,5,reconstructed,CR01\n\
             GM0002,Beerta,PV20,12000,-0.2,30,3,reconstructed,CR01\n\
             GM0003,Coevorden,PV20,8000,0.0,20,2,reconstructed,CR01\n",
        ),
        locations: Source::new(
            "locations.csv",
            "location_id,municipality,places_regular,places_amv,status,opens,closes,bridging,location_total\n\
             L1,GM0001,40,0,existing,2024-01-01,,false,40\n",
        ),
        effort: Source::new(
            "effort.csv",
            "municipality,year,avg_occupied_places\n".to_owned()
                + &(2014..2024)
                    .flat_map(|y| ["GM0001", "GM0002", "GM0003"].map(|m| format!("{m},{y},10\n")))
                    .collect::<String>(),
        ),
        feasibility: Source::new(
            "feasibility.csv",
            "municipality,max_additional_regular,max_additional_amv,score,reason\n\
             GM0001,100,10,0.5,\nGM0002,100,10,0.5,\nGM0003,100,10,0.5,\n",
        ),
        exclusions: Source::new("exclusions.csv", "municipality,reason\n"),
    };
    let dataset = io::parse_dataset(&sources)?;

    let mut served = Served(BTreeMap::from([(
        "base",
        "dataset = \"mini\"\n[allocation]\nmode = \"rest\"\neligibility = \"all\"\n",
    )]));
    let request =
        Source::new("request", "extends = \"base\"\nname = \"example\"\n[allocation.weights]\neffort = 0.5\n");
    let scenario = io::parse_scenario_source(&request, &mut served)?;
    let dataset = io::prepare(&scenario, &dataset)?;

    let solution = spreiding_solver::solve(&dataset, &scenario)?;
    for m in solution.municipalities.iter().filter(|m| m.commodity == Commodity::Regular) {
        println!("{} counted {:>3}, allocated {:>3}, obligation {:>3}", m.code, m.counted, m.allocated, m.obligation);
    }
    let code = MunicipalityCode::parse("GM0002").ok_or("code")?;
    let e = explain(&dataset, &scenario, &solution, &code, Commodity::Regular)?;
    print!("\n{}", dutch::render(&e));

    // Bad input is refused with the source's name, line and field, as for files.
    let bad = Source::new("request", "extends = \"base\"\n[allocation.weights]\neffort = -1\n");
    if let Err(e) = io::parse_scenario_source(&bad, &mut served) {
        print!("\n{e}");
    }
    Ok(())
}
