//! Exact decimal numbers for rules written as decimals (the indicative correction's parameters,
//! the welfare scores): `0.12` is 12/100, not the nearest binary float, so a weight computed
//! from them is the same on every machine and two equal weights are equal.

use serde::{Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;

/// The most decimals a rule's number or a score may have.
pub const MAX_DECIMALS: u32 = 9;

/// A decimal number: `mantissa / 10^scale`.
#[derive(Clone, Copy, Debug)]
pub struct Decimal {
    mantissa: i128,
    scale: u32,
}

impl Decimal {
    /// Zero.
    pub const ZERO: Decimal = Decimal { mantissa: 0, scale: 0 };
    /// One.
    pub const ONE: Decimal = Decimal { mantissa: 1, scale: 0 };

    /// `mantissa / 10^scale`.
    pub fn new(mantissa: i128, scale: u32) -> Self {
        Decimal { mantissa, scale }.normalised()
    }

    /// A whole number.
    pub fn from_int(n: i64) -> Self {
        Decimal { mantissa: i128::from(n), scale: 0 }
    }

    /// Parses `-12.345`, `0.12`, `7`, `1e-3` is refused; at most [`MAX_DECIMALS`] decimals.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let (negative, digits) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && frac.is_empty() || !ok(whole) || !ok(frac) {
            return Err(format!("`{text}` is not a decimal number (e.g. 0.12 or -1.5)"));
        }
        let scale = u32::try_from(frac.len()).unwrap_or(u32::MAX);
        if scale > MAX_DECIMALS {
            return Err(format!("`{text}` has more than {MAX_DECIMALS} decimals"));
        }
        if whole.len() > 18 {
            return Err(format!("`{text}` is too large"));
        }
        let mut mantissa: i128 = 0;
        for b in whole.bytes().chain(frac.bytes()) {
            mantissa = mantissa * 10 + i128::from(b - b'0');
        }
        Ok(Decimal::new(if negative { -mantissa } else { mantissa }, scale))
    }

    /// The decimal a float was written as: its shortest representation that reads back as the
    /// same float (`0.12` for the float nearest 0.12), as a TOML or CSV reader gives it.
    pub fn from_f64(x: f64) -> Result<Self, String> {
        if !x.is_finite() {
            return Err(format!("{x} is not a finite number"));
        }
        let text = format!("{x}");
        if text.contains('e') {
            return Err(format!("{x} is too large or too small; write it with at most {MAX_DECIMALS} decimals"));
        }
        Self::parse(&text)
    }

    /// Without trailing zeros in the fraction.
    fn normalised(mut self) -> Self {
        while self.scale > 0 && self.mantissa % 10 == 0 {
            self.mantissa /= 10;
            self.scale -= 1;
        }
        self
    }

    /// Both with the larger scale; `None` on overflow.
    fn aligned(self, other: Decimal) -> Option<(i128, i128, u32)> {
        let scale = self.scale.max(other.scale);
        let up = |d: Decimal| d.mantissa.checked_mul(10i128.checked_pow(scale - d.scale)?);
        Some((up(self)?, up(other)?, scale))
    }

    /// `self + other`; `None` on overflow.
    pub fn checked_add(self, other: Decimal) -> Option<Decimal> {
        let (a, b, scale) = self.aligned(other)?;
        Some(Decimal::new(a.checked_add(b)?, scale))
    }

    /// `self * other`; `None` on overflow.
    pub fn checked_mul(self, other: Decimal) -> Option<Decimal> {
        Some(Decimal::new(self.mantissa.checked_mul(other.mantissa)?, self.scale + other.scale))
    }

    /// The number as `mantissa / 10^scale` with the given scale (at least its own); `None` on
    /// overflow.
    pub fn scaled_to(self, scale: u32) -> Option<i128> {
        self.mantissa.checked_mul(10i128.checked_pow(scale.checked_sub(self.scale)?)?)
    }

    /// Decimals written.
    pub fn scale(self) -> u32 {
        self.scale
    }

    /// True if above zero.
    pub fn is_positive(self) -> bool {
        self.mantissa > 0
    }

    /// The nearest float (for display and charts, never for the computation).
    #[expect(clippy::cast_precision_loss, reason = "a display value")]
    pub fn to_f64(self) -> f64 {
        self.mantissa as f64 / 10f64.powi(i32::try_from(self.scale).unwrap_or(i32::MAX))
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Decimal {}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        // Both are normalised with at most a few dozen digits; align without overflow by
        // comparing with the larger scale when it fits, else by sign and magnitude of floats.
        match self.aligned(*other) {
            Some((a, b, _)) => a.cmp(&b),
            None => self.to_f64().total_cmp(&other.to_f64()),
        }
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let digits = self.mantissa.unsigned_abs().to_string();
        let scale = self.scale as usize;
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (whole, frac) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{whole}.{frac}")
    }
}

/// In OpenAPI: a number (the decimal's nearest float).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Decimal {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Number)
            .description(Some("an exact decimal, written as a JSON number"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Decimal {}

impl Serialize for Decimal {
    /// As a JSON number: the nearest float, which prints as the decimal itself for the up to 15
    /// significant digits the rules and scores have.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.to_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_exactly() {
        for (text, shown) in [("0.12", "0.12"), ("-0.4394", "-0.4394"), ("1", "1"), ("1.50", "1.5"), ("-0.05", "-0.05")]
        {
            assert_eq!(Decimal::parse(text).unwrap().to_string(), shown, "{text}");
        }
        assert!(Decimal::parse("1e3").is_err());
        assert!(Decimal::parse("").is_err());
        assert!(Decimal::parse("-").is_err());
        assert!(Decimal::parse("0.1234567890").is_err());
        // The bounds themselves: nine decimals and eighteen whole digits are accepted.
        assert_eq!(Decimal::parse("0.123456789").unwrap().to_string(), "0.123456789");
        assert_eq!(Decimal::parse("123456789012345678").unwrap().to_string(), "123456789012345678");
        assert!(Decimal::parse("1234567890123456789").unwrap_err().contains("too large"));
        // Zero has no sign and is not positive; equality is by value, not by writing.
        assert_eq!(Decimal::ZERO.to_string(), "0");
        assert_eq!(Decimal::parse("-0.0").unwrap().to_string(), "0");
        assert!(!Decimal::ZERO.is_positive() && !Decimal::parse("-0.5").unwrap().is_positive());
        assert!(Decimal::parse("0.000000001").unwrap().is_positive());
        assert_eq!(Decimal::parse("1.50").unwrap(), Decimal::parse("1.5").unwrap());
        assert_ne!(Decimal::parse("0.12").unwrap(), Decimal::parse("0.13").unwrap());
        assert_eq!(Decimal::from_f64(0.12).unwrap(), Decimal::new(12, 2));
        assert!(Decimal::from_f64(f64::NAN).is_err());
    }

    #[test]
    fn arithmetic_is_exact() {
        let z = Decimal::parse("-0.4394").unwrap();
        let slope = Decimal::parse("0.12").unwrap();
        let f = Decimal::ONE.checked_add(slope.checked_mul(z).unwrap()).unwrap();
        assert_eq!(f.to_string(), "0.947272");
        assert!(Decimal::parse("0.25").unwrap() < f);
        assert_eq!(Decimal::parse("2.50").unwrap(), Decimal::parse("2.5").unwrap());
        assert_eq!(f.scaled_to(8), Some(94_727_200));
    }
}
