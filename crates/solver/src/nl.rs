//! Numbers and dates written the Dutch way, for every text the program writes: 1.234,56 and
//! "1 juli 2025".

use crate::model::{Commodity, Date};
use chrono::Datelike;

const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];

/// A date as "1 juli 2025".
pub fn date(d: Date) -> String {
    format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
}

/// A whole number with a dot per thousand: 96.000.
pub fn int(n: u64) -> String {
    group(&n.to_string())
}

/// Digits with a dot per thousand, counted from the right.
fn group(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
    out
}

/// A real number with `decimals` decimals, Dutch style: 1.234,5678. Exact for every finite
/// value (the digits are grouped as text, so values beyond 2^64 keep theirs); a value that is
/// not a number reads as such.
pub fn dec(x: f64, decimals: usize) -> String {
    if x.is_nan() {
        return "onbepaald".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "oneindig" } else { "min oneindig" }.to_owned();
    }
    let s = format!("{:.*}", decimals, x.abs());
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    let sign = if x < 0.0 && s.bytes().any(|b| (b'1'..=b'9').contains(&b)) { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{}", group(whole))
    } else {
        format!("{sign}{},{frac}", group(whole))
    }
}

/// A share as a percentage with one decimal: "12,5%".
pub fn pct(x: f64) -> String {
    format!("{}%", dec(100.0 * x, 1))
}

/// The places of a commodity in running text: "reguliere plaatsen", "amv-plaatsen".
pub fn places(c: Commodity) -> &'static str {
    match c {
        Commodity::Regular => "reguliere plaatsen",
        Commodity::Amv => "amv-plaatsen",
    }
}

/// The text with its first letter a capital (for titles and sentence starts).
pub fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| f.to_uppercase().collect::<String>() + c.as_str())
}
