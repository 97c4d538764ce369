//! The content of a verdeelbesluit's annex as data (`dossier.json`, read by the typst
//! template `verdeelbesluit.typ`): every number formatted the Dutch way and every text written
//! here, so the template only lays out. Nothing here depends on where the dossier lies: the
//! document made again from the dossier's own copy is the same, byte for byte.

use super::Dossier;
use serde::Serialize;
use spreiding_solver::explain::{dutch, explain};
use spreiding_solver::model::{AllocationMode, Commodity, Eligibility, Method, MinimumFallback, ProvinceCode};
use spreiding_solver::report::{MunicipalityRow, Report};
use spreiding_solver::solve::Status;

/// A paragraph, a subheading or a list item.
#[derive(Serialize)]
pub struct Block {
    kind: &'static str,
    text: String,
}

fn para(text: impl Into<String>) -> Block {
    Block { kind: "para", text: text.into() }
}

fn heading(text: impl Into<String>) -> Block {
    Block { kind: "heading", text: text.into() }
}

fn item(text: impl Into<String>) -> Block {
    Block { kind: "item", text: text.into() }
}

fn code(text: impl Into<String>) -> Block {
    Block { kind: "code", text: text.into() }
}

#[derive(Serialize)]
struct Program {
    name: &'static str,
    version: &'static str,
    commit: &'static str,
    highs: String,
}

#[derive(Serialize)]
struct Named {
    code: String,
    name: String,
}

#[derive(Serialize)]
struct CycleText {
    id: String,
    period: String,
    counting_date: String,
}

#[derive(Serialize)]
struct ScenarioText {
    name: String,
}

#[derive(Serialize)]
struct DatasetText {
    content_hash: String,
}

#[derive(Serialize)]
struct StatusLine {
    commodity: String,
    text: String,
}

#[derive(Serialize)]
struct Table {
    title: String,
    rows: Vec<Vec<String>>,
}

/// A map of the document: a file beside the template.
#[derive(Serialize)]
pub struct MapRef {
    /// File name given to the typesetter.
    pub file: String,
    /// Alternative text.
    pub title: String,
    /// Caption.
    pub caption: String,
}

#[derive(Serialize)]
struct Motivation {
    title: String,
    blocks: Vec<Block>,
}

/// The motivations of one commodity.
#[derive(Serialize)]
struct MotivationGroup {
    title: String,
    members: Vec<Motivation>,
}

/// Everything the template shows.
#[derive(Serialize)]
pub struct Document {
    title: String,
    title_note: String,
    program: Program,
    province: Named,
    cycle: CycleText,
    scenario: ScenarioText,
    dataset: DatasetText,
    status: Vec<StatusLine>,
    frame: Vec<Block>,
    report_text: Vec<Block>,
    report_table: Vec<Vec<String>>,
    table_text: Vec<Block>,
    tables: Vec<Table>,
    maps_text: Vec<Block>,
    maps_missing: Vec<Block>,
    maps: Vec<MapRef>,
    motivation_text: Vec<Block>,
    motivations: Vec<MotivationGroup>,
    parameters_text: Vec<Block>,
    parameters: Vec<Vec<String>>,
    overrides_text: Vec<Block>,
    overrides: Vec<Vec<String>>,
    reproduction_text: Vec<Block>,
    files: Vec<Vec<String>>,
}

/// The Dutch name of a commodity's places, as in a sentence ("reguliere opvangplaatsen").
pub fn commodity_places(c: Commodity) -> &'static str {
    match c {
        Commodity::Regular => "reguliere opvangplaatsen",
        Commodity::Amv => "opvangplaatsen voor alleenstaande minderjarige vreemdelingen (amv)",
    }
}

/// A commodity as a short label ("Regulier", "Amv").
pub fn commodity_label(c: Commodity) -> &'static str {
    match c {
        Commodity::Regular => "Regulier",
        Commodity::Amv => "Amv",
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "ja"
    } else {
        "nee"
    }
}

/// The explanation text as blocks: its numbered steps as subheadings, its "- " lines as items.
fn blocks_of(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    // The first line is the title (the subsection's heading says it).
    for line in text.lines().skip(1) {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(rest) = t.strip_prefix("- ") {
            out.push(item(rest));
        } else if !line.starts_with(' ')
            && t.split_once(". ").is_some_and(|(n, _)| n.chars().all(|c| c.is_ascii_digit()))
        {
            out.push(heading(t));
        } else {
            out.push(para(t));
        }
    }
    out
}

/// The scenario's overrides, one row each: what, the change, where (the dossier's copy and line).
fn overrides_table(d: &Dossier) -> Vec<Vec<String>> {
    let copy = |origin: &spreiding_solver::model::Origin| {
        let file = d.chain.iter().find(|(_, s)| s.name == origin.source).map_or(origin.source.as_str(), |(n, _)| n);
        format!("{file}:{}", origin.line)
    };
    let mut rows = vec![vec!["Wat".to_owned(), "Wijziging".to_owned(), "Waar".to_owned()]];
    for line in dutch::override_lines(&d.dataset, &d.scenario.overrides) {
        rows.push(vec![line.what, line.change, copy(&line.origin)]);
    }
    rows
}

impl Document {
    /// The annex for one province.
    pub fn new(d: &Dossier, report: &Report, province: &ProvinceCode, maps: Vec<MapRef>) -> anyhow::Result<Document> {
        let dataset = &d.dataset;
        let scenario = &d.scenario;
        let cycle = dataset.cycle();
        let Some(index) = dataset.province_index(province) else {
            anyhow::bail!("{province} is not a province of the data set");
        };
        let p = &dataset.provinces()[index];
        let rows: Vec<_> = report.provinces.iter().filter(|r| &r.code == province).collect();
        let int = |n: u64| dutch::int(n);
        let end = dutch::date(cycle.end);
        let rules = spreiding_solver::counting::CountingContext::new(dataset, scenario);
        let counting_date = rules.counting_date;
        let until = if rules.available_until == cycle.end {
            format!("{end} (het begin van de volgende cyclus)")
        } else {
            dutch::date(rules.available_until)
        };

        let status: Vec<StatusLine> = rows
            .iter()
            .map(|r| StatusLine { commodity: commodity_label(r.commodity).to_owned(), text: dutch::status_text(r) })
            .collect();
        let open: Vec<Commodity> = rows.iter().filter(|r| r.status != Status::Closes).map(|r| r.commodity).collect();

        let frame = vec![
            para(format!(
                "Deze bijlage hoort bij het besluit van de minister van Asiel en Migratie over de verdeling van opvangplaatsen over de gemeenten van de provincie {}. Zij laat zien hoe ieder aantal uit de gegevens en de regels volgt, zodat iedere gemeente de berekening kan nagaan en herhalen (hoofdstuk 7).",
                p.name
            )),
            heading("Wettelijk kader"),
            para(format!(
                "De Spreidingswet verdeelt de landelijke behoefte aan opvangplaatsen voor asielzoekers over de provincies en de gemeenten. Voor de cyclus {} ({} tot {}) is de landelijke opgave {} opvangplaatsen, waarvan {} voor alleenstaande minderjarige vreemdelingen (amv). Iedere provincie heeft een provinciale opgave en iedere gemeente een indicatief aantal. Reguliere en amv-plaatsen zijn afzonderlijke opgaven: er gaan geen plaatsen van de ene soort naar de andere, en geen plaatsen van de ene provincie naar de andere.",
                cycle.id,
                dutch::date(cycle.start),
                end,
                int(u64::from(cycle.national_total)),
                int(u64::from(cycle.national_amv))
            )),
            para("De provincie meldt in haar verslag welke plaatsen haar gemeenten bieden. Halen die plaatsen samen de provinciale opgave niet, dan sluit het verslag niet. De minister verdeelt dan het tekort over de gemeenten van de provincie. Daarbij tellen het indicatieve aandeel van iedere gemeente, haar inzet in de afgelopen tien jaar en de haalbaarheid mee, in de verhouding van de gewichten in hoofdstuk 6."),
            heading("Telregels"),
            item(format!(
                "Een plaats telt mee als zij op de peildatum {} beschikbaar is en dat blijft tot ten minste {until}.{}",
                dutch::date(counting_date),
                dutch::minimum_rules(rules.min_location_places, rules.min_years),
            )),
            item(if rules.require_bridging {
                format!("Een locatie die na de peildatum maar voor {end} opent, telt alleen mee als de gemeente tot de opening overbruggingsopvang biedt.")
            } else {
                format!("Een locatie die na de peildatum maar voor {end} opent, telt mee, ook zonder overbruggingsopvang.")
            }),
            item(if rules.count_intentions {
                "Intenties (plaatsen zonder vast besluit) tellen mee."
            } else {
                "Intenties (plaatsen zonder vast besluit) tellen niet mee."
            }),
            item(dutch::above_task_rule(scenario.allocation.above_task)),
            heading("Verdeling van een tekort"),
            item(match scenario.allocation.eligibility {
                Eligibility::BelowIndicative => "Voor extra plaatsen komen de gemeenten in aanmerking die niet zijn uitgezonderd en die minder plaatsen bieden dan hun indicatieve aantal.",
                Eligibility::All => "Voor extra plaatsen komen alle gemeenten in aanmerking die niet zijn uitgezonderd.",
            }),
            item(match scenario.allocation.mode {
                AllocationMode::Rest => "Het tekort wordt verdeeld naar rato van de verdeelsleutel van iedere gemeente (werkwijze 'rest', de praktijk van december 2024).",
                AllocationMode::Level => "Iedere gemeente die in aanmerking komt, wordt aangevuld tot hetzelfde deel van haar aandeel in de provinciale opgave volgens de verdeelsleutel (werkwijze 'level'); wie daar al boven zit, krijgt niets extra.",
            }),
            item(if scenario.allocation.caps {
                "Geen gemeente krijgt meer extra plaatsen dan haar maximum volgens de haalbaarheidsgegevens."
            } else {
                "De maxima uit de haalbaarheidsgegevens gelden in deze berekening niet."
            }),
            item("De uitkomsten worden afgerond op hele plaatsen met de methode van de grootste overschotten; samen zijn zij precies het tekort."),
        ];

        let report_text = vec![para(format!(
            "Het verslag van de provincie {} ({}), geteld op de peildatum {}. Per soort opvangplaats: de provinciale opgave, de getelde plaatsen, het tekort of overschot, de toegewezen plaatsen en het aantal gemeenten dat in aanmerking komt.",
            p.name,
            p.code,
            dutch::date(counting_date)
        ))];
        let mut report_table =
            vec![["Soort", "Opgave", "Geteld", "Tekort", "Overschot", "Toegewezen", "In aanm.", "Status"]
                .map(String::from)
                .to_vec()];
        for r in &rows {
            report_table.push(vec![
                commodity_label(r.commodity).to_owned(),
                int(u64::from(r.target)),
                int(r.counted),
                int(u64::from(r.shortfall)),
                int(r.surplus),
                int(u64::from(r.allocated + r.beyond_cap)),
                int(u64::from(r.eligible)),
                dutch::status_word(r.status).to_owned(),
            ]);
        }

        let members: Vec<&MunicipalityRow> = report.municipalities.iter().filter(|m| &m.province == province).collect();
        let population = |m: &MunicipalityRow| {
            dataset.municipality_index(&m.code).map_or(0, |i| u64::from(dataset.municipalities()[i].population))
        };
        let table_text = vec![para(
            "Per gemeente: inwoners (volgens de gegevensset), het indicatieve aantal, de getelde plaatsen, of zij in aanmerking komt voor extra plaatsen, haar verdeelsleutel, haar maximum aantal extra plaatsen, de toegewezen plaatsen en haar opgave (getelde plus toegewezen plaatsen). Een streepje: geen maximum.",
        )];
        let tables: Vec<Table> = [Commodity::Regular, Commodity::Amv]
            .into_iter()
            .map(|c| {
                let mut rows = vec![[
                    "Code",
                    "Gemeente",
                    "Inwoners",
                    "Indicatief",
                    "Geteld",
                    "In aanm.",
                    "Sleutel",
                    "Maximum",
                    "Toegewezen",
                    "Opgave",
                ]
                .map(String::from)
                .to_vec()];
                for m in members.iter().filter(|m| m.commodity == c) {
                    rows.push(vec![
                        m.code.to_string(),
                        m.name.clone(),
                        int(population(m)),
                        int(u64::from(m.indicative)),
                        int(u64::from(m.counted)),
                        yes_no(m.eligible).to_owned(),
                        dutch::dec(m.key, 6),
                        m.cap.map_or_else(|| "-".to_owned(), |c| int(u64::from(c))),
                        int(u64::from(m.allocated + m.beyond_cap)),
                        int(u64::from(m.obligation)),
                    ]);
                }
                let sum = |f: &dyn Fn(&MunicipalityRow) -> u64| {
                    members.iter().filter(|m| m.commodity == c).map(|m| f(m)).sum::<u64>()
                };
                rows.push(vec![
                    String::new(),
                    "Totaal".to_owned(),
                    int(sum(&|m| population(m))),
                    int(sum(&|m| u64::from(m.indicative))),
                    int(sum(&|m| u64::from(m.counted))),
                    String::new(),
                    String::new(),
                    String::new(),
                    int(sum(&|m| u64::from(m.allocated + m.beyond_cap))),
                    int(sum(&|m| u64::from(m.obligation))),
                ]);
                let mut title = commodity_places(c).to_owned();
                title[..1].make_ascii_uppercase();
                Table { title, rows }
            })
            .collect();

        let maps_text = vec![para(
            "De kaarten tonen de uitkomst per gemeente, reguliere en amv-plaatsen samen: de opgave per 1.000 inwoners en de toegewezen plaatsen. De klassen hebben ieder ongeveer evenveel gemeenten; de kleuren lopen van licht (weinig) naar donker (veel) en zijn ook in grijstinten en voor kleurenblinden te lezen. Kaartprojectie: Rijksdriehoekstelsel (RD New). De tabellen in hoofdstuk 3 geven dezelfde getallen.",
        )];
        let maps_missing = vec![para(
            "De gegevensset bevat geen bestand met gemeentegrenzen; daarom zijn er geen kaarten. De tabellen in hoofdstuk 3 geven de uitkomst per gemeente.",
        )];

        let mut motivations = Vec::new();
        for c in &open {
            let mut group = Vec::new();
            for m in members.iter().filter(|m| m.commodity == *c) {
                let e = explain(dataset, scenario, &d.solution, &m.code, *c)?;
                group.push(Motivation {
                    title: format!("{} ({}), {}", m.name, m.code, commodity_label(*c).to_lowercase()),
                    blocks: blocks_of(&dutch::render(&e)),
                });
            }
            let mut title = commodity_places(*c).to_owned();
            title[..1].make_ascii_uppercase();
            motivations.push(MotivationGroup { title, members: group });
        }
        let motivation_text = vec![para(if open.is_empty() {
            "Het verslag van de provincie sluit voor beide soorten opvangplaatsen: er is niets verdeeld en er is geen motivering per gemeente.".to_owned()
        } else {
            let closes: Vec<&str> =
                rows.iter().filter(|r| r.status == Status::Closes).map(|r| commodity_places(r.commodity)).collect();
            let mut t = "Voor iedere gemeente van de provincie volgt hier de motivering van haar aantal: haar gegevens, de getelde plaatsen per locatie, het verslag, of zij in aanmerking komt, haar verdeelsleutel, de verdeling van het tekort, de afronding en de uitkomst.".to_owned();
            if !closes.is_empty() {
                t.push_str(&format!(" Voor {} sluit het verslag; daarvoor is niets verdeeld.", closes.join(" en ")));
            }
            t
        })];

        let w = scenario.allocation.weights;
        let n = w.normalised();
        let pct = |x: f64| format!("{}%", dutch::dec(x * 100.0, 1));
        let per_1000 = |v: Option<f64>| v.map_or_else(|| "geen".to_owned(), |v| dutch::dec(v, 2));
        let mut parameters = vec![
            vec!["Parameter".to_owned(), "Waarde".to_owned()],
            vec!["Scenario".to_owned(), scenario.name.clone()],
            vec![
                "Scenariobestanden".to_owned(),
                d.chain.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>().join(", "),
            ],
            vec!["Cyclus".to_owned(), cycle.id.clone()],
            vec!["Peildatum".to_owned(), dutch::date(counting_date)],
            vec!["Intenties tellen mee".to_owned(), yes_no(rules.count_intentions).to_owned()],
            vec!["Overbrugging vereist bij latere opening".to_owned(), yes_no(rules.require_bridging).to_owned()],
            vec!["Werkwijze".to_owned(), scenario.allocation.mode.as_str().to_owned()],
            vec!["In aanmerking".to_owned(), scenario.allocation.eligibility.as_str().to_owned()],
            vec!["Maxima (haalbaarheid)".to_owned(), yes_no(scenario.allocation.caps).to_owned()],
            vec![
                "Gewicht indicatief aandeel".to_owned(),
                format!("{} (genormaliseerd {})", dutch::dec(w.indicative, 4), pct(n.indicative)),
            ],
            vec!["Gewicht inzet".to_owned(), format!("{} (genormaliseerd {})", dutch::dec(w.effort, 4), pct(n.effort))],
            vec![
                "Gewicht haalbaarheid".to_owned(),
                format!("{} (genormaliseerd {})", dutch::dec(w.feasibility, 4), pct(n.feasibility)),
            ],
            vec![
                "Rekenmethode".to_owned(),
                match scenario.allocation.method {
                    Method::Auto => "auto: gesloten vorm waar die exact is, anders lineair programma (HiGHS)",
                    Method::Lp => "lp: altijd lineair programma (HiGHS)",
                }
                .to_owned(),
            ],
            vec!["Elastisch (boven de maxima)".to_owned(), yes_no(scenario.allocation.elastic).to_owned()],
            vec![
                "COROP-balans (hoogste deel van het tekort per regio)".to_owned(),
                scenario.constraints.corop_max_share.map_or_else(|| "geen".to_owned(), pct),
            ],
            vec![
                "Hoogste opgave per 1.000 inwoners, regulier".to_owned(),
                per_1000(scenario.constraints.max_per_1000.regular),
            ],
            vec!["Hoogste opgave per 1.000 inwoners, amv".to_owned(), per_1000(scenario.constraints.max_per_1000.amv)],
            vec![
                "Wijzigingen op de gegevens (scenario)".to_owned(),
                format!(
                    "{} gemeenten, {} locaties, {} provincies, {} inzetcijfers",
                    scenario.overrides.municipalities.len(),
                    scenario.overrides.locations.len(),
                    scenario.overrides.provinces.len(),
                    scenario.overrides.effort.len()
                ),
            ],
        ];
        // A minimum size (issue 24) adds its rows; without one the table is as it was.
        for (c, label) in [(Commodity::Regular, "regulier"), (Commodity::Amv, "amv")] {
            if let Some(rule) = scenario.constraints.minimum_rule(c) {
                parameters.push(vec![
                    format!("Minimumomvang, {label}"),
                    format!(
                        "{} (als dat het tekort niet precies verdeelt: {})",
                        dutch::minimum_rule(rule.min, rule.step),
                        match scenario.constraints.minimum_fallback {
                            MinimumFallback::Infeasible => "zoveel als kan, de rest onverdeeld",
                            MinimumFallback::Continuous => "de verdeling zonder minimum",
                        }
                    ),
                ]);
            }
        }
        let parameters_text = vec![para(
            "Alle keuzes waarmee deze berekening is gemaakt, zoals zij in de scenariobestanden staan (na overerving). Wijzigingen die het scenario op de gegevens aanbrengt, staan in de scenariobestanden in de map data/scenarios van het dossier.",
        )];

        let reproduction_text = vec![
            para(format!(
                "Dit document is gemaakt met {} versie {} (broncode-commit {}), met de rekenkern HiGHS {}. Het dossier bevat naast dit document een kopie van alle invoer (map data), de uitkomsten als JSON en CSV (map results) en manifest.json met de SHA-256-kenmerken van alle bestanden.",
                env!("CARGO_PKG_NAME"),
                env!("CARGO_PKG_VERSION"),
                super::COMMIT,
                d.highs
            )),
            para("Iedereen met het dossier en dit programma kan de berekening herhalen met het commando"),
            code("spreiding verify <map van het dossier>"),
            para("Het rekent de uitkomsten en dit document opnieuw uit met de kopie van de invoer in het dossier en controleert dat geen bestand is gewijzigd. De bestanden waarop de berekening berust, met hun grootte en kenmerk:"),
        ];
        let mut files = vec![vec!["Bestand".to_owned(), "Bytes".to_owned(), "SHA-256".to_owned()]];
        for (path, bytes) in &d.recorded {
            files.push(vec![path.clone(), int(bytes.len() as u64), super::sha256(bytes)]);
        }

        Ok(Document {
            title: format!("Verdeelbesluit provincie {}: berekening", p.name),
            title_note: "Deze berekening is gemaakt met het programma spreiding. Het dossier waarin dit document zit, bevat de invoer en de uitkomsten; met het commando 'spreiding verify' is na te gaan dat niets is gewijzigd (hoofdstuk 7).".to_owned(),
            program: Program {
                name: env!("CARGO_PKG_NAME"),
                version: env!("CARGO_PKG_VERSION"),
                commit: super::COMMIT,
                highs: d.highs.clone(),
            },
            province: Named { code: p.code.to_string(), name: p.name.clone() },
            cycle: CycleText {
                id: cycle.id.clone(),
                period: format!("{} tot {}", dutch::date(cycle.start), end),
                counting_date: dutch::date(counting_date),
            },
            scenario: ScenarioText { name: scenario.name.clone() },
            dataset: DatasetText { content_hash: d.sources.content_hash() },
            status,
            frame,
            report_text,
            report_table,
            table_text,
            tables,
            maps_text,
            maps_missing,
            maps,
            motivation_text,
            motivations,
            parameters_text,
            parameters,
            overrides_text: vec![para(
                "De wijzigingen die het scenario op de gegevens aanbrengt, in de volgorde waarin zij worden toegepast, met het bestand en de regel waar zij staan:",
            )],
            overrides: overrides_table(d),
            reproduction_text,
            files,
        })
    }
}
