//! Dutch text of an [`Explanation`], for the motivation of a verdeelbesluit.
//!
//! Numbers are written the Dutch way (1.234,56); dates as "1 juli 2025".

use super::Explanation;
use crate::counting::Verdict;
use crate::keys::Standing;
use crate::model::{
    AboveTask, AllocationMode, Dataset, IndicativeSource, LocationAction, MunicipalityCode, Origin, Overrides,
};
use crate::solve::{CapSource, Reason, Status};
use serde::Serialize;
use std::fmt::Write;

pub use crate::nl::{date, dec, int, pct};

// The Dutch words of a province's status, in one place (the dossier's table and sentences, the
// maps' notes, the objection text).

/// A province's status in one word, for tables: `sluit`, `verdeeld`, `niet volledig`.
pub fn status_word(s: Status) -> &'static str {
    match s {
        Status::Closes => "sluit",
        Status::Allocated => "verdeeld",
        Status::Infeasible => "niet volledig",
    }
}

/// A province's status as a clause about its report, for the objection text.
pub fn status_clause(s: Status) -> &'static str {
    match s {
        Status::Closes => "sluit",
        Status::Allocated => "sluit niet; het tekort is verdeeld",
        Status::Infeasible => "sluit niet; de maxima kunnen het tekort niet opnemen",
    }
}

/// A province's status on one commodity, in words.
pub fn status_text(row: &crate::report::ProvinceRow) -> String {
    match row.status {
        Status::Closes => format!(
            "het verslag sluit: {} getelde plaatsen bij een opgave van {}; geen verdeling nodig",
            int(row.counted),
            int(u64::from(row.target))
        ),
        Status::Allocated => format!(
            "het verslag sluit niet: tekort van {} plaatsen, geheel verdeeld over de gemeenten",
            int(u64::from(row.shortfall))
        ),
        Status::Infeasible if row.beyond_cap > 0 => format!(
            "het verslag sluit niet: tekort van {} plaatsen; de maxima laten {} plaatsen niet toe, die boven de maxima zijn toegewezen",
            int(u64::from(row.shortfall)),
            int(u64::from(row.missing))
        ),
        Status::Infeasible => format!(
            "het verslag sluit niet: tekort van {} plaatsen; de maxima laten {} plaatsen niet toe, die niet zijn verdeeld",
            int(u64::from(row.shortfall)),
            int(u64::from(row.missing))
        ),
    }
}

/// What a counting rule's verdict means for a location, as a clause.
pub fn verdict_text(v: Verdict) -> &'static str {
    match v {
        Verdict::Counts => "telt mee: beschikbaar op de peildatum en tot het einde van de cyclus",
        Verdict::CountsWithBridging => {
            "telt mee: opent na de peildatum, maar voor het einde van de cyclus, en de gemeente biedt tot de opening overbruggingsopvang"
        }
        Verdict::CountsLateWithoutBridgingRule => {
            "telt mee: opent na de peildatum en voor het einde van de cyclus; dit scenario past de eis van overbruggingsopvang niet toe"
        }
        Verdict::Intention => "telt niet mee: een intentie zonder vast besluit",
        Verdict::ClosesBeforeEnd => "telt niet mee: sluit voor het einde van de cyclus",
        Verdict::BelowMinimumSize => {
            "telt niet mee: de locatie is kleiner dan de minimale omvang die de cyclus stelt (regel min_location_places)"
        }
        Verdict::TooShort => {
            "telt niet mee: de locatie is niet het minimale aantal jaren vanaf de peildatum beschikbaar dat de cyclus stelt (regel min_years)"
        }
        Verdict::OpensAfterEnd => "telt niet mee: opent pas na het einde van de cyclus",
        Verdict::OpensLateWithoutBridging => "telt niet mee: opent na de peildatum en er is geen overbruggingsopvang",
    }
}

/// The cycle's minimum size and duration of a location as a sentence with a leading space
/// (empty without them), for the explanation and the dossier.
pub fn minimum_rules(min_location_places: u32, min_years: u32) -> String {
    match (min_location_places, min_years) {
        (0, 0) => String::new(),
        (n, 0) => format!(" Alleen locaties met ten minste {n} plaatsen tellen mee (regel min_location_places)."),
        (0, y) => format!(" Alleen locaties die ten minste {y} jaar vanaf de peildatum beschikbaar zijn, tellen mee (regel min_years)."),
        (n, y) => format!(" Alleen locaties met ten minste {n} plaatsen die ten minste {y} jaar vanaf de peildatum beschikbaar zijn, tellen mee (regels min_location_places en min_years)."),
    }
}

/// A decimal the Dutch way (comma), all its digits.
fn decimal_nl(d: crate::model::decimal::Decimal) -> String {
    d.to_string().replace('.', ",")
}

/// The derivation of the indicative number: inhabitants, score, correction, share, remainder.
fn indicative_text(
    o: &mut String,
    d: &super::IndicativeDerivation,
    commodity: crate::model::Commodity,
) -> std::fmt::Result {
    let r = &d.row;
    let over = |over: &str| {
        if over == "NL" {
            "alle gemeenten van het land".to_owned()
        } else {
            format!("de gemeenten van de provincie ({over})")
        }
    };
    match &r.total_share {
        None => writeln!(
            o,
            "     Het totaal (regulier en amv samen) van {} plaatsen staat vast: het is gepubliceerd en door de regels van de cyclus vastgezet.",
            int(u64::from(r.total))
        )?,
        Some(s) => writeln!(
            o,
            "     Zo volgt het uit de regels van de cyclus: gewicht = inwoners x correctie, correctie = {} bij welvaartsscore {} = {}; gewicht {} x {} = {}. Dat is {} van het gewicht van {}; van de {} te verdelen plaatsen (regulier en amv samen) is het aandeel {}. De gemeente krijgt het hele deel, {}, {}. Totaal: {}.",
            d.formula.replace(", ", "; ").replace('.', ","),
            decimal_nl(r.score),
            decimal_nl(r.factor),
            int(u64::from(r.population)),
            decimal_nl(r.factor),
            dec(r.weight.to_f64(), r.weight.scale().min(6) as usize),
            dec(s.fraction, 9),
            over(&s.over),
            int(u64::from(s.divided)),
            dec(s.quota, 6),
            int(u64::from(s.whole)),
            if s.extra {
                format!("en een van de {} resterende plaatsen, die naar de grootste resten gaan: haar rest is de {}e grootste", int(u64::from(s.leftover)), s.rank)
            } else {
                format!("en geen van de {} resterende plaatsen, die naar de grootste resten gaan: haar rest is de {}e grootste", int(u64::from(s.leftover)), s.rank)
            },
            int(u64::from(r.total))
        )?,
    }
    match (&r.amv_share, commodity) {
        (Some(a), crate::model::Commodity::Amv) => writeln!(
            o,
            "     Het amv-deel: {} amv-plaatsen verdeeld over {} naar rato van hun totalen; het aandeel van de gemeente is {}, het hele deel {}{}: {} amv-plaatsen.",
            int(u64::from(a.divided)),
            over(&a.over),
            dec(a.quota, 6),
            int(u64::from(a.whole)),
            if a.extra { " plus een van de resterende plaatsen" } else { "" },
            int(u64::from(r.amv))
        )?,
        (_, crate::model::Commodity::Amv) => {
            writeln!(o, "     Het amv-deel is {} plaatsen (het totaal maal het landelijke amv-aandeel, afgerond).", int(u64::from(r.amv)))?
        }
        (_, crate::model::Commodity::Regular) => writeln!(
            o,
            "     Het reguliere aantal is het totaal min het amv-deel: {} - {} = {}.",
            int(u64::from(r.total)),
            int(u64::from(r.amv)),
            int(u64::from(r.regular))
        )?,
    }
    if !d.matches {
        writeln!(
            o,
            "     Het indicatieve aantal in de gegevens wijkt af van wat de regels van de cyclus geven; het aantal in de gegevens geldt."
        )?;
    }
    Ok(())
}

/// What a scenario does with the `above` places a municipality counts above its task
/// (indicative number `indicative`), in one Dutch sentence (MODEL.md 3.2a). The dossier
/// states the rule with [`above_task_rule`].
pub fn above_task_text(treatment: AboveTask, above: u32, indicative: u32) -> String {
    let head = format!(
        "Daarvan liggen er {} boven de taak van de gemeente (haar indicatieve aantal, {}).",
        int(u64::from(above)),
        int(u64::from(indicative))
    );
    let rule = match treatment {
        AboveTask::Held => "Dit scenario houdt de gemeente aan die plaatsen: zij tellen mee voor de provinciale opgave (de andere gemeenten hoeven daardoor minder te doen) en horen bij de opgave van de gemeente.".to_owned(),
        AboveTask::Ignored => format!(
            "In dit scenario tellen plaatsen boven de taak niet mee: zij verlagen het tekort van de provincie niet en horen niet bij de opgave van de gemeente, die voor haar opgave {} plaatsen telt.",
            int(u64::from(indicative))
        ),
        AboveTask::Effort => format!(
            "In dit scenario tellen plaatsen boven de taak in deze cyclus niet mee: zij verlagen het tekort van de provincie niet en horen niet bij de opgave van de gemeente, die voor haar opgave {} plaatsen telt; zij worden als inzet meegenomen in de inzetjaren van de volgende cyclus.",
            int(u64::from(indicative))
        ),
    };
    format!("{head} {rule}")
}

/// The scenario's rule for places above a municipality's task, as the dossier states it.
pub fn above_task_rule(treatment: AboveTask) -> &'static str {
    match treatment {
        AboveTask::Held => "Plaatsen die een gemeente boven haar taak (haar indicatieve aantal) biedt, tellen mee voor de provinciale opgave en horen bij haar opgave; plaatsen boven de provinciale opgave (een overschot) worden vermeld, maar niet naar andere gemeenten of provincies verschoven.",
        AboveTask::Ignored => "Plaatsen die een gemeente boven haar taak (haar indicatieve aantal) biedt, tellen niet mee: zij verlagen het tekort van de provincie niet en horen niet bij de opgave van de gemeente.",
        AboveTask::Effort => "Plaatsen die een gemeente boven haar taak (haar indicatieve aantal) biedt, tellen in deze cyclus niet mee (zij verlagen het tekort van de provincie niet en horen niet bij de opgave van de gemeente) en worden als inzet meegenomen in de inzetjaren van de volgende cyclus.",
    }
}

/// The rule of a minimum size in one sentence (the dossier's settings table uses it too).
pub fn minimum_rule(min: u32, step: u32) -> String {
    match (min > 1, step > 1) {
        (true, true) => format!(
            "geen extra plaatsen of ten minste {}, in veelvouden van {}",
            int(u64::from(min)),
            int(u64::from(step))
        ),
        (true, false) => format!("geen extra plaatsen of ten minste {}", int(u64::from(min))),
        (false, true) => format!("extra plaatsen in veelvouden van {}", int(u64::from(step))),
        (false, false) => "extra plaatsen in hele aantallen".to_owned(),
    }
}

/// Names with their change in places, joined the Dutch way ("A (+3), B (+2) en C (+1)").
fn names_with_change(lines: &[&super::MinimumLine]) -> String {
    let parts: Vec<String> = lines
        .iter()
        .map(|l| {
            let d = i64::from(l.allocated) - i64::from(l.without);
            format!("{} ({}{})", l.name, if d > 0 { "+" } else { "-" }, int(d.unsigned_abs()))
        })
        .collect();
    match parts.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} en {last}", init.join(", ")),
    }
}

/// The paragraphs about a minimum size: the rule, what the municipality would have received
/// without it, why it now receives what it receives and who took over or gave up places.
fn minimum_text(e: &Explanation) -> Option<Vec<String>> {
    use crate::solve::{MinimumChange, MinimumOutcome};
    let m = e.block.minimum.as_ref()?;
    let effect = e.result.minimum?;
    let r = &e.result;
    let mut out = vec![format!(
        "Minimumomvang: in dit scenario krijgt een gemeente {}. Van alle verdelingen die daaraan voldoen, binnen de maxima blijven en het tekort van {} precies verdelen, is gekozen voor de verdeling die in totaal het minst afwijkt van de exacte verdeling hierboven; bij gelijke totale afwijking de verdeling met de gelijkmatigste afwijkingen (de grootste zo klein mogelijk, dan de op een na grootste, enzovoort), daarna eerst de grotere sleutel en de laagste gemeentecode. De totale afwijking in de provincie is {} plaatsen, de grootste {} ({}).",
        minimum_rule(m.min, m.step),
        int(u64::from(e.block.shortfall)),
        dec(m.deviation, 4),
        dec(m.max_deviation, 4),
        if m.optimal { "bewezen de kleinste" } else { "de beste die binnen de rekentijd is gevonden, niet bewezen de kleinste" },
    )];
    match m.outcome {
        MinimumOutcome::Met => {}
        MinimumOutcome::Infeasible => out.push(format!(
            "Met dit minimum is het tekort van {} niet precies te verdelen: de verdelingen die eraan voldoen komen tot ten hoogste {} plaatsen. Er blijven {} plaatsen onverdeeld.",
            int(u64::from(e.block.shortfall)),
            int(u64::from(m.reachable)),
            int(u64::from(e.block.missing))
        )),
        MinimumOutcome::Continuous => out.push(format!(
            "Met dit minimum is het tekort van {} niet precies te verdelen (ten hoogste {} plaatsen). Het scenario bepaalt dat dan de verdeling zonder minimum geldt.",
            int(u64::from(e.block.shortfall)),
            int(u64::from(m.reachable))
        )),
    }
    let of = |changes: &[MinimumChange]| -> Vec<&super::MinimumLine> {
        e.minimum_changes.iter().filter(|l| changes.contains(&l.change) && l.code != r.code).collect()
    };
    let without = int(u64::from(effect.without));
    let now = int(u64::from(r.allocated));
    let min = int(u64::from(m.min.max(1)));
    out.push(match effect.change {
        MinimumChange::Unchanged => format!("Zonder minimum zou de gemeente ook {without} plaatsen krijgen; het minimum verandert haar aantal niet."),
        MinimumChange::Dropped => {
            let takers = of(&[MinimumChange::Absorbed, MinimumChange::Raised]);
            format!(
                "Zonder minimum zou de gemeente {without} plaatsen krijgen{}. Zij krijgt daarom geen extra plaatsen: dat wijkt minder af van de exacte verdeling dan haar aantal op te hogen.{}",
                if effect.without < m.min.max(1) { format!(", minder dan het minimum van {min}") } else { ", geen veelvoud van de stap".to_owned() },
                if takers.is_empty() { String::new() } else { format!(" De plaatsen van de gemeenten die zo geen extra plaatsen krijgen, gaan naar {}.", names_with_change(&takers)) }
            )
        }
        MinimumChange::Raised => {
            let givers = of(&[MinimumChange::Reduced, MinimumChange::Dropped]);
            format!(
                "Zonder minimum zou de gemeente {without} plaatsen krijgen, minder dan het minimum van {min}. Zij krijgt er {now}: dat wijkt minder af van de exacte verdeling dan haar geen extra plaatsen te geven.{}",
                if givers.is_empty() { String::new() } else { format!(" De plaatsen daarvoor komen van {}.", names_with_change(&givers)) }
            )
        }
        MinimumChange::Absorbed => {
            let givers = of(&[MinimumChange::Dropped, MinimumChange::Reduced]);
            format!(
                "Zonder minimum zou de gemeente {without} plaatsen krijgen; zij krijgt er {now}, omdat zij plaatsen overneemt{}.",
                if givers.is_empty() { String::new() } else { format!(" van {}", names_with_change(&givers)) }
            )
        }
        MinimumChange::Reduced => {
            let takers = of(&[MinimumChange::Raised, MinimumChange::Absorbed]);
            format!(
                "Zonder minimum zou de gemeente {without} plaatsen krijgen; zij krijgt er {now}, zodat andere gemeenten het minimum of hele stappen halen{}.",
                if takers.is_empty() { String::new() } else { format!(" ({})", names_with_change(&takers)) }
            )
        }
    });
    if m.carrier == Some(r.code) {
        out.push(format!(
            "Het tekort is geen veelvoud van {}; deze gemeente krijgt de rest ({} plaatsen) bovenop hele stappen.",
            int(u64::from(m.step)),
            int(u64::from(e.block.allocated) % u64::from(m.step.max(1)))
        ));
    }
    Some(out)
}

/// Renders the explanation as Dutch text (plain text with numbered sections).
pub fn render(e: &Explanation) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_all(&mut out, e);
    out
}

fn write_all(o: &mut String, e: &Explanation) -> std::fmt::Result {
    let r = &e.result;
    let b = &e.block;
    let what = e.commodity.dutch();
    writeln!(o, "Motivering van het aantal {what} voor de gemeente {} ({})", e.name, e.code)?;
    writeln!(o, "Provincie {} ({}), cyclus {}, scenario \"{}\".", e.province_name, e.province, e.cycle, e.scenario)?;
    writeln!(o)?;

    writeln!(o, "1. Gegevens van de gemeente")?;
    let i = &e.inputs;
    writeln!(o, "   - Inwoners: {}.", int(u64::from(i.population)))?;
    let source = match i.indicative_source {
        IndicativeSource::Published => "gepubliceerd",
        IndicativeSource::Reconstructed => "gereconstrueerd uit inwonertal en welvaartsscore",
    };
    writeln!(o, "   - Indicatief aantal {what}: {} ({source}).", int(u64::from(i.indicative)))?;
    if let Some(d) = &e.indicative {
        indicative_text(o, d, e.commodity)?;
    }
    writeln!(
        o,
        "   - Inzet in de afgelopen {} jaar: de jaargemiddelden van bezette opvangplaatsen tellen op tot {}, dat is {} per inwoner; landelijk is dat {} per inwoner. Relatieve inzet r = {} (1 is het landelijk gemiddelde, 0 is geen opvang).",
        i.effort_years,
        dec(i.effort_places, 1),
        dec(if i.population > 0 { i.effort_places / f64::from(i.population) } else { 0.0 }, 6),
        dec(i.national_effort_ratio, 6),
        dec(i.relative_effort, 4)
    )?;
    write!(
        o,
        "   - Haalbaarheid: ruimte voor ten hoogste {} extra plaatsen, score {}",
        int(u64::from(i.cap_data)),
        dec(i.feasibility_score, 2)
    )?;
    if i.feasibility_reason.is_empty() {
        writeln!(o, ".")?;
    } else {
        writeln!(o, " ({}).", i.feasibility_reason)?;
    }
    if let Some(reason) = &i.excluded {
        writeln!(o, "   - Uitgezonderd van extra plaatsen: {reason}.")?;
    }
    writeln!(o)?;

    let c = &e.counting;
    writeln!(o, "2. Getelde plaatsen")?;
    writeln!(
        o,
        "   Een plaats telt mee als zij op de peildatum {} beschikbaar is en dat blijft tot ten minste {}.{}{}{}",
        date(c.counting_date),
        if c.available_until == c.cycle_end {
            format!("{} (het begin van de volgende cyclus)", date(c.cycle_end))
        } else {
            date(c.available_until)
        },
        minimum_rules(c.min_location_places, c.min_years),
        if c.require_bridging {
            " Een locatie die later opent, telt alleen mee als de gemeente tot de opening overbruggingsopvang biedt."
        } else {
            " Dit scenario telt ook locaties die na de peildatum en voor het einde van de cyclus openen zonder overbruggingsopvang."
        },
        if c.count_intentions { " Dit scenario telt ook intenties mee." } else { " Intenties tellen niet mee." }
    )?;
    if c.locations.is_empty() {
        writeln!(o, "   Het provinciaal verslag noemt voor deze gemeente geen locaties met {what}.")?;
    }
    for l in &c.locations {
        let closes = l.closes.map_or_else(|| "zonder einddatum".to_owned(), |d| format!("tot {}", date(d)));
        let shared = if l.shared_with.is_empty() {
            String::new()
        } else {
            let codes: Vec<&str> = l.shared_with.iter().map(|c| c.as_str()).collect();
            format!(
                ", deel van een gedeelde locatie van {} plaatsen (met {})",
                int(u64::from(l.location_total)),
                codes.join(", ")
            )
        };
        writeln!(
            o,
            "   - Locatie {} ({}): {} plaatsen, {}, open vanaf {} {closes}{shared}: {}.",
            l.location_id,
            l.source,
            int(u64::from(l.places)),
            l.status.dutch(),
            date(l.opens),
            verdict_text(l.verdict)
        )?;
    }
    writeln!(o, "   Getelde plaatsen: {}.", int(u64::from(c.counted)))?;
    if r.counted > r.indicative {
        writeln!(o, "   {}", above_task_text(e.above_task, r.counted - r.indicative, r.indicative))?;
    }
    writeln!(o)?;

    writeln!(o, "3. Het provinciaal verslag")?;
    writeln!(
        o,
        "   De provinciale opgave is {} {what}; de gemeenten van de provincie tellen samen {} plaatsen.",
        int(u64::from(b.target)),
        int(b.counted)
    )?;
    if b.above_task > 0 {
        writeln!(
            o,
            "   Daarvan liggen er {} boven de taak van hun gemeente; die tellen in dit scenario niet mee, zodat {} plaatsen meetellen voor de opgave.",
            int(b.above_task),
            int(b.counted - b.above_task)
        )?;
    }
    if e.target_set_by_scenario {
        writeln!(o, "   Let op: dit scenario wijkt af van de vastgestelde provinciale opgave (de opgave is in het scenario gewijzigd).")?;
    }
    if b.status == Status::Closes {
        write!(o, "   Het verslag sluit: er is geen tekort")?;
        if b.surplus > 0 {
            write!(o, " (een overschot van {} plaatsen, dat in de provincie blijft)", int(b.surplus))?;
        }
        writeln!(o, ". Er worden geen plaatsen toegewezen.")?;
    } else {
        writeln!(o, "   Het verslag sluit niet: het tekort is {} plaatsen.", int(u64::from(b.shortfall)))?;
    }
    writeln!(o)?;

    writeln!(o, "4. In aanmerking voor extra plaatsen")?;
    match &e.standing {
        Standing::Eligible => writeln!(
            o,
            "   De gemeente komt in aanmerking{}.",
            if e.eligibility_rule == "below-indicative" {
                format!(
                    ": zij is niet uitgezonderd en haar getelde plaatsen ({}) liggen onder haar indicatieve aantal ({})",
                    int(u64::from(r.counted)),
                    int(u64::from(r.indicative))
                )
            } else {
                ": zij is niet uitgezonderd (dit scenario laat alle niet-uitgezonderde gemeenten meedoen)".to_owned()
            }
        )?,
        Standing::Excluded { reason } => {
            writeln!(o, "   De gemeente komt niet in aanmerking: zij is uitgezonderd ({reason}).")?
        }
        Standing::MetIndicative => writeln!(
            o,
            "   De gemeente komt niet in aanmerking: haar getelde plaatsen ({}) bereiken haar indicatieve aantal ({}).",
            int(u64::from(r.counted)),
            int(u64::from(r.indicative))
        )?,
    }
    writeln!(o, "   In de provincie komen {} gemeenten in aanmerking.", b.eligible)?;
    writeln!(o)?;

    writeln!(o, "5. Verdeelsleutel")?;
    let w = &e.weights;
    writeln!(
        o,
        "   Gewichten: indicatief aandeel {}, inzet {}, haalbaarheid {}.",
        pct(w.indicative),
        pct(w.effort),
        pct(w.feasibility)
    )?;
    match &e.key {
        Some(k) => {
            let (si, se, sf) = (b.key_sums.indicative, b.key_sums.effort, b.key_sums.feasibility);
            writeln!(
                o,
                "   - Indicatief aandeel: {} / {} = {}.",
                int(u64::from(r.indicative)),
                dec(si, 0),
                dec(k.indicative_share, 6)
            )?;
            writeln!(
                o,
                "   - Inzetaandeel: E = {} / (1 + {}) = {}; gedeeld door {} = {}.",
                int(u64::from(r.indicative)),
                dec(r.relative_effort, 4),
                dec(k.effort_value, 4),
                dec(se, 4),
                dec(k.effort_share, 6)
            )?;
            writeln!(
                o,
                "   - Haalbaarheidsaandeel: F = {} x {} = {}; gedeeld door {} = {}.",
                int(u64::from(i.cap_data)),
                dec(i.feasibility_score, 2),
                dec(k.feasibility_value, 2),
                dec(sf, 2),
                dec(k.feasibility_share, 6)
            )?;
            writeln!(
                o,
                "   Sleutel = {} x {} + {} x {} + {} x {} = {}.",
                dec(w.indicative, 4),
                dec(k.indicative_share, 6),
                dec(w.effort, 4),
                dec(k.effort_share, 6),
                dec(w.feasibility, 4),
                dec(k.feasibility_share, 6),
                dec(k.key, 6)
            )?;
        }
        None => writeln!(o, "   Geen sleutel: de gemeente komt niet in aanmerking.")?,
    }
    writeln!(o)?;

    writeln!(o, "6. Verdeling van het tekort")?;
    if let Some(cap) = r.cap {
        let source = match r.cap_source {
            Some(CapSource::PerThousand) => "het maximum per 1.000 inwoners in dit scenario",
            _ => "de haalbaarheidsgegevens",
        };
        writeln!(o, "   Maximum aantal extra plaatsen: {} (volgens {source}).", int(u64::from(cap)))?;
    } else {
        writeln!(o, "   Er geldt geen maximum aantal extra plaatsen.")?;
    }
    match (e.mode, b.level) {
        (AllocationMode::Rest, Some(theta)) => writeln!(
            o,
            "   Werkwijze 'rest' (praktijk december 2024): het tekort wordt naar rato van de sleutel verdeeld, x = min(maximum, theta x sleutel), met theta = {} zo gekozen dat de toewijzingen samen het tekort vormen.",
            dec(theta, 6)
        )?,
        (AllocationMode::Level, Some(lambda)) => writeln!(
            o,
            "   Werkwijze 'level' (gelijk vullen): iedere gemeente wordt aangevuld tot hetzelfde deel lambda = {} van haar sleutelaandeel in de provinciale opgave ({}), x = lambda x sleutel x opgave - getelde plaatsen, niet minder dan 0 en niet meer dan het maximum.",
            dec(lambda, 6),
            int(u64::from(b.target))
        )?,
        _ => {}
    }
    if let Some(share) = e.corop_max_share {
        writeln!(o, "   Geen COROP-regio krijgt meer dan {} van het tekort van de provincie.", pct(share))?;
    }
    let reason = match r.reason {
        Reason::Excluded => "De gemeente is uitgezonderd en krijgt geen extra plaatsen.".to_owned(),
        Reason::Ineligible => "De gemeente komt niet in aanmerking en krijgt geen extra plaatsen.".to_owned(),
        Reason::ProvinceCloses => "Het verslag van de provincie sluit; er worden geen extra plaatsen toegewezen.".to_owned(),
        Reason::ZeroKey => "De sleutel van de gemeente is 0; zij krijgt geen extra plaatsen.".to_owned(),
        Reason::Interior => match (e.mode, b.level, &e.key) {
            (AllocationMode::Rest, Some(t), Some(k)) => format!(
                "De gemeente krijgt theta x sleutel = {} x {} = {} plaatsen; dat ligt onder haar maximum.",
                dec(t, 6),
                dec(k.key, 6),
                dec(r.exact, 4)
            ),
            (AllocationMode::Level, Some(t), Some(k)) => format!(
                "De gemeente krijgt lambda x sleutel x opgave - getelde plaatsen = {} x {} x {} - {} = {} plaatsen; dat ligt onder haar maximum.",
                dec(t, 6),
                dec(k.key, 6),
                int(u64::from(b.target)),
                int(u64::from(r.counted)),
                dec(r.exact, 4)
            ),
            _ => format!("De gemeente krijgt {} plaatsen.", dec(r.exact, 4)),
        },
        Reason::Capped => format!(
            "Naar de sleutel zou de gemeente meer krijgen dan haar maximum; zij krijgt haar maximum van {} plaatsen en het overige gaat naar de andere gemeenten.",
            dec(r.exact, 4)
        ),
        Reason::AboveLevel => {
            "De getelde plaatsen van de gemeente liggen al boven het niveau dat de andere gemeenten bereiken; zij krijgt geen extra plaatsen.".to_owned()
        }
        Reason::Limited => {
            let region = format!(
                "De gemeenten van COROP-regio {} krijgen samen {} plaatsen: het maximum van {} van het tekort van {}.",
                e.corop,
                dec(e.corop_allocated, 4),
                pct(e.corop_max_share.unwrap_or(1.0)),
                int(u64::from(b.shortfall)),
            );
            let wanted = b.level.zip(e.key.as_ref()).map(|(t, k)| match e.mode {
                AllocationMode::Rest => t * k.key,
                AllocationMode::Level => t * k.key * f64::from(b.target) - f64::from(r.counted),
            });
            match wanted {
                Some(w) => format!(
                    "{region} Daardoor krijgt de gemeente {} plaatsen, minder dan de {} die zij op het niveau van de provincie zou krijgen.",
                    dec(r.exact, 4),
                    dec(w, 4)
                ),
                // An infeasible province has no common level (see allocate::infeasible_outcomes).
                None => format!(
                    "{region} Daardoor krijgt de gemeente {} plaatsen, minder dan haar maximum; de maxima en de COROP-grenzen samen laten {} plaatsen van het tekort onverdeeld.",
                    dec(r.exact, 4),
                    int(u64::from(b.missing))
                ),
            }
        }
        Reason::InfeasibleCapped => format!(
            "De maxima van de gemeenten samen zijn kleiner dan het tekort; iedere gemeente krijgt haar volle maximum, deze gemeente {} plaatsen. Er blijven {} plaatsen over die niet kunnen worden toegewezen.",
            dec(r.exact, 4),
            int(u64::from(b.missing))
        ),
    };
    writeln!(o, "   {reason}")?;
    if r.beyond_cap > 0 || b.beyond_cap > 0 {
        writeln!(
            o,
            "   In dit scenario worden de {} plaatsen die niet binnen de maxima passen toch toegewezen, boven de maxima, naar rato van de sleutel en afgerond met de methode van de grootste overschotten. Deze gemeente krijgt er {} van, boven haar maximum.",
            int(u64::from(b.beyond_cap)),
            int(u64::from(r.beyond_cap))
        )?;
    }
    writeln!(o)?;

    writeln!(o, "7. Afronding op hele plaatsen")?;
    match &r.rounding {
        Some(s) => {
            writeln!(
                o,
                "   De provincie verdeelt {} hele plaatsen volgens de methode van de grootste overschotten: ieder krijgt het naar beneden afgeronde aantal; de resterende plaatsen gaan een voor een naar de grootste decimale resten (bij gelijke rest eerst de grotere sleutel, dan de laagste gemeentecode), nooit boven een maximum.",
                int(u64::from(b.allocated))
            )?;
            let how = if s.up {
                format!(
                    "naar boven afgerond (rest {}, plaats {} in de volgorde van resten)",
                    dec(s.fraction, 6),
                    s.rank.unwrap_or(0)
                )
            } else if let Some(rank) = s.rank {
                format!("naar beneden afgerond (rest {}, plaats {rank} in de volgorde van resten; de resterende plaatsen waren eerder op)", dec(s.fraction, 6))
            } else {
                "al een heel getal".to_owned()
            };
            writeln!(o, "   {} wordt {}: {how}.", dec(r.exact, 6), int(u64::from(s.value)))?;
        }
        None => writeln!(o, "   Niet van toepassing: de gemeente krijgt geen plaatsen uit het tekort.")?,
    }
    if let Some(text) = minimum_text(e) {
        for paragraph in text {
            writeln!(o, "   {paragraph}")?;
        }
    }
    writeln!(o)?;

    writeln!(o, "8. Uitkomst")?;
    if r.above_task > 0 {
        writeln!(
            o,
            "   Getelde plaatsen {} - plaatsen boven de taak {} + toegewezen plaatsen {}{} = opgave {} {what}.",
            int(u64::from(r.counted)),
            int(u64::from(r.above_task)),
            int(u64::from(r.allocated)),
            if r.beyond_cap > 0 {
                format!(" + plaatsen boven het maximum {}", int(u64::from(r.beyond_cap)))
            } else {
                String::new()
            },
            int(u64::from(r.obligation))
        )?;
        if e.above_task == AboveTask::Effort {
            writeln!(
                o,
                "   De {} plaatsen boven de taak worden als inzet meegenomen in de inzetjaren van de volgende cyclus.",
                int(u64::from(r.above_task))
            )?;
        }
    } else if r.beyond_cap > 0 {
        writeln!(
            o,
            "   Getelde plaatsen {} + toegewezen plaatsen {} + plaatsen boven het maximum {} = opgave {} {what}.",
            int(u64::from(r.counted)),
            int(u64::from(r.allocated)),
            int(u64::from(r.beyond_cap)),
            int(u64::from(r.obligation))
        )?;
    } else {
        writeln!(
            o,
            "   Getelde plaatsen {} + toegewezen plaatsen {} = opgave {} {what}.",
            int(u64::from(r.counted)),
            int(u64::from(r.allocated)),
            int(u64::from(r.obligation))
        )?;
    }
    if let Some(w) = &e.what_if {
        writeln!(o)?;
        writeln!(o, "9. Wat als (berekend door de provincie opnieuw te verdelen)")?;
        for line in [
            &w.places_to_zero.text,
            &w.places_to_close.text,
            &w.cap_binding.text,
            &w.weight_ranges.indicative.text,
            &w.weight_ranges.effort.text,
            &w.weight_ranges.feasibility.text,
        ] {
            writeln!(o, "   - {line}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Date;

    #[test]
    fn dutch_numbers_and_dates() {
        assert_eq!(int(96000), "96.000");
        assert_eq!(int(999), "999");
        assert_eq!(int(1_234_567), "1.234.567");
        assert_eq!(dec(1234.5678, 2), "1.234,57");
        assert_eq!(dec(-0.0001, 2), "0,00");
        assert_eq!(dec(-2.5, 1), "-2,5");
        assert_eq!(date(Date::from_ymd_opt(2025, 7, 1).unwrap()), "1 juli 2025");
        assert_eq!(int(u64::MAX), "18.446.744.073.709.551.615");
        assert_eq!(int(0), "0");
        // Regression: values beyond 2^64 used to print as 0.
        assert_eq!(dec(1e20, 1), "100.000.000.000.000.000.000,0");
        assert_eq!(dec(-1e20, 0), "-100.000.000.000.000.000.000");
        assert_eq!(dec(f64::NAN, 2), "onbepaald");
        assert_eq!(dec(f64::INFINITY, 2), "oneindig");
        assert_eq!(dec(f64::NEG_INFINITY, 2), "min oneindig");
        assert_eq!(dec(0.5, 0), "0");
        assert_eq!(dec(999.9999, 2), "1.000,00");
    }
}

/// One change to the data set, described for a decision: what it changes, how, and where it
/// was written.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OverrideLine {
    /// What is changed ("Gemeente GM0014 Groningen", "Locatie L0002 in GM0014 Groningen").
    pub what: String,
    /// The change ("toegevoegd; regulier 120 plaatsen; ...").
    pub change: String,
    /// Where it was written.
    pub origin: Origin,
}

/// The changes of `overrides`, in the order they are applied, described in Dutch; municipality
/// names from `dataset` where it has them.
pub fn override_lines(dataset: &Dataset, o: &Overrides) -> Vec<OverrideLine> {
    let name = |code: &MunicipalityCode| {
        dataset.municipality_index(code).map_or_else(String::new, |i| format!(" {}", dataset.municipalities()[i].name))
    };
    let n = |v: u32| int(u64::from(v));
    let yes_no = |b: bool| if b { "ja" } else { "nee" };
    let mut rows = Vec::new();
    for m in &o.municipalities {
        let mut parts = Vec::new();
        if let Some(c) = m.cap.regular {
            parts.push(format!("maximum regulier {}", n(c)));
        }
        if let Some(c) = m.cap.amv {
            parts.push(format!("maximum amv {}", n(c)));
        }
        if let Some(s) = m.score {
            parts.push(format!("haalbaarheidsscore {}", dec(s, 2)));
        }
        match &m.excluded {
            Some(Some(reason)) => parts.push(format!("uitgezonderd ({reason})")),
            Some(None) => parts.push("uitzondering opgeheven".to_owned()),
            None => {}
        }
        rows.push(OverrideLine {
            what: format!("Gemeente {}{}", m.code, name(&m.code)),
            change: parts.join("; "),
            origin: m.origin.clone(),
        });
    }
    for l in &o.locations {
        let action = match l.action {
            LocationAction::Add => "toegevoegd",
            LocationAction::Remove => "verwijderd",
            LocationAction::Change => "gewijzigd",
        };
        let mut parts = vec![action.to_owned()];
        if let Some(p) = l.places.regular {
            parts.push(format!("regulier {} plaatsen", n(p)));
        }
        if let Some(p) = l.places.amv {
            parts.push(format!("amv {} plaatsen", n(p)));
        }
        if let Some(s) = l.status {
            parts.push(format!("status {}", s.dutch()));
        }
        if let Some(o) = l.opens {
            parts.push(format!("opent {}", date(o)));
        }
        match l.closes {
            Some(Some(c)) => parts.push(format!("sluit {}", date(c))),
            Some(None) => parts.push("zonder einddatum".to_owned()),
            None => {}
        }
        if let Some(b) = l.bridging {
            parts.push(format!("overbrugging {}", yes_no(b)));
        }
        if let Some(t) = l.location_total {
            parts.push(format!("locatie totaal {}", n(t)));
        }
        rows.push(OverrideLine {
            what: format!("Locatie {} in {}{}", l.location_id, l.municipality, name(&l.municipality)),
            change: parts.join("; "),
            origin: l.origin.clone(),
        });
    }
    for p in &o.provinces {
        let mut parts = Vec::new();
        if let Some(t) = p.target.regular {
            parts.push(format!("opgave regulier {}", n(t)));
        }
        if let Some(t) = p.target.amv {
            parts.push(format!("opgave amv {}", n(t)));
        }
        rows.push(OverrideLine {
            what: format!("Provincie {}", p.code),
            change: parts.join("; "),
            origin: p.origin.clone(),
        });
    }
    for e in &o.effort {
        rows.push(OverrideLine {
            what: format!("Inzet van {}{} in {}", e.municipality, name(&e.municipality), e.year),
            change: format!("gemiddeld {} bezette plaatsen", dec(e.avg_occupied_places, 1)),
            origin: e.origin.clone(),
        });
    }
    rows
}
