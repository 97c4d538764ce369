//! Dutch text of a [`Replay`]: per claim a block a jurist can quote in the decision on the
//! objection (the facts, the recalculation, the effect on the objector and on the others). It
//! states facts and draws no legal conclusion.

use super::{BlockChange, ClaimOutcome, Combined, Effect, Figures, ObjectorLine, Outcome, Replay};
use crate::keys::Standing;
use crate::nl::{capitalised, dec, int, pct, places};
use crate::solve::Status;
use std::fmt::Write;

fn n(v: u32) -> String {
    int(u64::from(v))
}

fn signed(v: i64) -> String {
    match v {
        0 => "0".to_owned(),
        v if v > 0 => format!("+{}", int(v.unsigned_abs())),
        v => format!("-{}", int(v.unsigned_abs())),
    }
}

/// "400 → 200", or "400 (ongewijzigd)".
fn from_to(a: &str, b: &str) -> String {
    if a == b {
        format!("{a} (ongewijzigd)")
    } else {
        format!("{a} → {b}")
    }
}

fn status(s: Status) -> &'static str {
    crate::explain::dutch::status_clause(s)
}

fn standing(s: &Standing) -> &'static str {
    match s {
        Standing::Eligible => "ja",
        Standing::Excluded { .. } => "nee (uitgezonderd)",
        Standing::MetIndicative => "nee (getelde plaatsen bereiken het indicatieve aantal)",
    }
}

fn figures_line(f: &Figures, g: &Figures) -> String {
    let key = |k: Option<f64>| k.map_or_else(|| "geen".to_owned(), pct);
    let cap = |c: Option<u32>| c.map_or_else(|| "geen".to_owned(), n);
    format!(
        "getelde plaatsen {}; in aanmerking {}; verdeelsleutel {}; maximum {}; exacte toewijzing {}; toegewezen {}; opgave {}.",
        from_to(&n(f.counted), &n(g.counted)),
        from_to(standing(&f.standing), standing(&g.standing)),
        from_to(&key(f.key), &key(g.key)),
        from_to(&cap(f.cap), &cap(g.cap)),
        from_to(&dec(f.exact, 2), &dec(g.exact, 2)),
        from_to(&n(f.allocated), &n(g.allocated)),
        from_to(&n(f.obligation), &n(g.obligation)),
    )
}

fn objector_block(o: &mut String, name: &str, lines: &[ObjectorLine]) -> std::fmt::Result {
    for l in lines {
        writeln!(o, "- {} van {name}: {}", capitalised(places(l.commodity)), figures_line(&l.before, &l.after))?;
    }
    Ok(())
}

fn corrections_block(o: &mut String, out: &Outcome) -> std::fmt::Result {
    if out.corrections.is_empty() {
        writeln!(o, "Het bezwaar vraagt geen correctie van gegevens.")?;
        return Ok(());
    }
    writeln!(o, "Voor de herberekening zijn de volgende gegevens gecorrigeerd, in deze volgorde:")?;
    for c in &out.corrections {
        let file = c.origin.source.rsplit(['/', '\\']).next().unwrap_or(&c.origin.source);
        writeln!(o, "- {}: {} ({}:{}).", c.what, c.change, file, c.origin.line)?;
    }
    let [before, after] = out.national_effort_ratio;
    if before.to_bits() != after.to_bits() {
        writeln!(
            o,
            "Door de correctie van de inzet verandert ook het landelijk gemiddelde van bezette plaatsen per inwoner over de tien jaren ({} → {}); daardoor verandert de relatieve inzet van iedere gemeente iets.",
            dec(before, 6),
            dec(after, 6)
        )?;
    }
    Ok(())
}

fn block_text(o: &mut String, b: &BlockChange, objectors: &[crate::model::MunicipalityCode]) -> std::fmt::Result {
    let (f, g) = (&b.before, &b.after);
    writeln!(
        o,
        "{}, provincie {}: getelde plaatsen {}; opgave {}; tekort {}; toegewezen {}; het verslag {}.",
        capitalised(places(b.commodity)),
        b.province_name,
        from_to(&int(f.counted), &int(g.counted)),
        n(f.target),
        from_to(&n(f.shortfall), &n(g.shortfall)),
        from_to(&n(f.assigned()), &n(g.assigned())),
        if f.status == g.status {
            status(f.status).to_owned()
        } else {
            format!("{} → {}", status(f.status), status(g.status))
        }
    )?;
    let others: Vec<_> = b.changes.iter().filter(|c| !objectors.contains(&c.code)).collect();
    let own: Vec<_> = b.changes.iter().filter(|c| objectors.contains(&c.code)).collect();
    if others.is_empty() {
        writeln!(o, "Bij de andere gemeenten van de provincie verandert geen aantal.")?;
    } else {
        writeln!(
            o,
            "Bij {} andere gemeente{} verandert het aantal:",
            others.len(),
            if others.len() == 1 { "" } else { "n" }
        )?;
        for c in &others {
            let allocated = if c.allocated_change == 0 {
                from_to(&n(c.allocated[0]), &n(c.allocated[1]))
            } else {
                format!("{} ({})", from_to(&n(c.allocated[0]), &n(c.allocated[1])), signed(c.allocated_change))
            };
            let counted = if c.counted[0] == c.counted[1] {
                String::new()
            } else {
                format!("getelde plaatsen {}; ", from_to(&n(c.counted[0]), &n(c.counted[1])))
            };
            writeln!(
                o,
                "- {} ({}): {counted}toegewezen {allocated}; opgave {}.",
                c.name,
                c.code,
                from_to(&n(c.obligation[0]), &n(c.obligation[1]))
            )?;
        }
    }
    let own_sum: i64 = own.iter().map(|c| c.allocated_change).sum();
    let others_sum: i64 = others.iter().map(|c| c.allocated_change).sum();
    let total = i64::from(g.allocated) - i64::from(f.allocated);
    let who = if own.is_empty() {
        format!("de andere gemeenten samen {}", signed(others_sum))
    } else {
        let names: Vec<&str> = own.iter().map(|c| c.name.as_str()).collect();
        let names = match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} en {last} samen", rest.join(", ")),
            _ => names.concat(),
        };
        format!("{names} {}, de andere gemeenten samen {}", signed(own_sum), signed(others_sum))
    };
    if total == 0 && b.shortfall_change == 0 && b.changes.iter().all(|c| c.allocated_change == 0) {
        writeln!(
            o,
            "Het tekort van de provincie en de toegewezen plaatsen blijven gelijk; alleen de getelde plaatsen, en daarmee de opgaven, van de genoemde gemeenten veranderen."
        )?;
    } else if total == 0 && b.shortfall_change == 0 {
        writeln!(o, "Het tekort van de provincie blijft gelijk; de verschuivingen heffen elkaar op ({who}).")?;
    } else if f.status != Status::Infeasible && g.status != Status::Infeasible {
        writeln!(
            o,
            "Het tekort van de provincie verandert met {} plaatsen; de toegewezen plaatsen veranderen samen met evenveel: {who}.",
            signed(b.shortfall_change)
        )?;
    } else {
        writeln!(
            o,
            "Het tekort van de provincie verandert met {} plaatsen en de toegewezen plaatsen samen met {} ({who}); de maxima kunnen niet het hele tekort opnemen: er ontbreken {} → {} plaatsen.",
            signed(b.shortfall_change),
            signed(total),
            n(f.missing),
            n(g.missing)
        )?;
    }
    Ok(())
}

fn effect_text(out: &Outcome, province_name: &str) -> Option<String> {
    match out.effect {
        Effect::NoCorrections => Some("Omdat het bezwaar geen gegevens corrigeert, verandert de berekening niet; alle aantallen blijven gelijk.".to_owned()),
        Effect::NothingEntersCalculation => Some("De gecorrigeerde gegevens tellen in deze berekening niet mee (bijvoorbeeld een locatie die ook na de correctie niet of ongewijzigd meetelt, of een gegeven waarvan het gewicht 0 is): geen enkel gegeven of aantal van de berekening verandert.".to_owned()),
        Effect::ProvinceCloses => Some(format!("Het verslag van de provincie {province_name} sluit voor beide soorten opvangplaatsen, met en zonder de correctie: er wordt niets verdeeld, en geen aantal verandert.")),
        Effect::NoWholeChange => Some("De correctie verandert de exacte berekening, maar na afronding op hele plaatsen verandert geen enkel aantal.".to_owned()),
        Effect::Changes => None,
    }
}

fn claim_text(o: &mut String, r: &Replay, c: &ClaimOutcome) -> std::fmt::Result {
    writeln!(o, "Bezwaar van {} ({}), provincie {}", c.name, c.municipality, c.province_name)?;
    writeln!(o, "Bestand: {}", c.source)?;
    writeln!(o)?;
    writeln!(o, "Aangevoerd (zoals de indiener het stelt):")?;
    for line in c.grounds.lines() {
        writeln!(o, "  {line}")?;
    }
    writeln!(o)?;
    writeln!(o, "Feiten")?;
    corrections_block(o, &c.outcome)?;
    writeln!(o)?;
    writeln!(o, "Herberekening")?;
    writeln!(
        o,
        "De verdeling is opnieuw berekend met het scenario \"{}\" op de gegevensset {} (cyclus {}), met de correctie en alle andere gegevens en keuzes ongewijzigd. Het tekort van een provincie wordt daarbij opnieuw over haar gemeenten verdeeld; er gaan geen plaatsen naar of van andere provincies.",
        r.scenario,
        r.dataset.trim_end_matches(['/', '\\']).rsplit(['/', '\\']).next().unwrap_or(&r.dataset),
        r.cycle
    )?;
    if let Some(t) = effect_text(&c.outcome, &c.province_name) {
        writeln!(o, "{t}")?;
    }
    writeln!(o)?;
    writeln!(o, "Gevolg voor {}", c.name)?;
    objector_block(o, &c.name, &c.objector)?;
    if c.outcome.changes_anything {
        writeln!(o)?;
        writeln!(o, "Gevolg voor de provincie en de andere gemeenten")?;
        for b in &c.outcome.provinces {
            block_text(o, b, &[c.municipality])?;
        }
    }
    Ok(())
}

fn combined_text(o: &mut String, r: &Replay, c: &Combined) -> std::fmt::Result {
    writeln!(o, "Alle bezwaren samen ({})", c.outcome.claims.join(", "))?;
    writeln!(o)?;
    writeln!(o, "Feiten")?;
    corrections_block(o, &c.outcome)?;
    writeln!(o)?;
    writeln!(o, "Herberekening")?;
    writeln!(
        o,
        "De verdeling is opnieuw berekend met het scenario \"{}\" en alle correcties samen. {}",
        r.scenario,
        if c.order_independent {
            format!(
                "De correcties na elkaar toepassen geeft in iedere volgorde dezelfde uitkomst (nagegaan voor {} van de {} volgordes).",
                int(c.orders_checked),
                int(c.orders_total)
            )
        } else {
            format!(
                "Let op: de correcties na elkaar toepassen geeft niet in iedere volgorde dezelfde uitkomst (nagegaan voor {} volgordes).",
                int(c.orders_checked)
            )
        }
    )?;
    if let Some(t) = effect_text(&c.outcome, "") {
        if c.outcome.effect != Effect::ProvinceCloses {
            writeln!(o, "{t}")?;
        } else {
            writeln!(
                o,
                "De verslagen van de betrokken provincies sluiten met en zonder de correcties: geen aantal verandert."
            )?;
        }
    }
    writeln!(o)?;
    writeln!(o, "Gevolg voor de indieners")?;
    for (code, lines) in c.objector_codes.iter().zip(c.objectors.chunks(2)) {
        let name = r.claims.iter().find(|x| &x.municipality == code).map_or(code.as_str(), |x| x.name.as_str());
        objector_block(o, name, lines)?;
    }
    if c.outcome.changes_anything {
        writeln!(o)?;
        writeln!(o, "Gevolg voor de provincies en de andere gemeenten")?;
        for b in &c.outcome.provinces {
            block_text(o, b, &c.objector_codes)?;
        }
    }
    Ok(())
}

/// The text of one claim's replay.
pub fn render_claim(r: &Replay, c: &ClaimOutcome) -> String {
    let mut o = String::new();
    let _ = claim_text(&mut o, r, c);
    o
}

/// The whole replay as text: each claim, then all together.
pub fn render(r: &Replay) -> String {
    let mut o = String::new();
    for (k, c) in r.claims.iter().enumerate() {
        if k > 0 {
            o.push_str("\n----------------------------------------------------------------\n\n");
        }
        let _ = claim_text(&mut o, r, c);
    }
    if let Some(c) = &r.combined {
        o.push_str("\n================================================================\n\n");
        let _ = combined_text(&mut o, r, c);
    }
    o
}
