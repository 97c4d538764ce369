//! Newtypes for the codes of municipalities, provinces and COROP regions, and the commodity.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! code_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $digits:literal, $max_digits:literal, $form:literal) => {
        $(#[$doc])*
        ///
        /// Stored inline as its ASCII bytes (zero-padded): copying a code allocates nothing.
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name([u8; $prefix.len() + $max_digits]);

        impl $name {
            /// The expected form, for error messages.
            pub const FORM: &'static str = $form;

            /// Parses a code of the form `PREFIX` + digits, the prefix in any case (`gm0014` is
            /// `GM0014`); `None` if it has another form.
            pub fn parse(s: &str) -> Option<Self> {
                let prefix = s.get(..$prefix.len()).filter(|p| p.eq_ignore_ascii_case($prefix))?;
                let rest = &s[prefix.len()..];
                if !($digits..=$max_digits).contains(&rest.len()) || !rest.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let mut bytes = [0u8; $prefix.len() + $max_digits];
                bytes[..$prefix.len()].copy_from_slice($prefix.as_bytes());
                bytes[$prefix.len()..s.len()].copy_from_slice(rest.as_bytes());
                Some(Self(bytes))
            }

            /// The code as text.
            pub fn as_str(&self) -> &str {
                let len = self.0.iter().position(|&b| b == 0).unwrap_or(self.0.len());
                // Only ASCII prefixes and digits are ever stored.
                std::str::from_utf8(&self.0[..len]).unwrap_or_default()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:?}", self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        /// In OpenAPI: a string of the code's form (its prefix upper case, as written).
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .pattern(Some(concat!("^", $prefix, "[0-9]{", $digits, ",", $max_digits, "}$")))
                    .description(Some(Self::FORM))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("`{s}` is not a code ({})", Self::FORM)))
            }
        }
    };
}

code_type!(
    /// CBS municipality code, e.g. `GM0014` (Groningen). Synthetic data sets larger than the
    /// country use up to 6 digits.
    MunicipalityCode, "GM", 4, 6, "GM followed by 4 digits, e.g. GM0014"
);
code_type!(
    /// CBS province code, `PV20` (Groningen) to `PV31` (Limburg).
    ProvinceCode, "PV", 2, 2, "PV followed by 2 digits, e.g. PV20"
);
code_type!(
    /// CBS COROP region code, e.g. `CR03`.
    CoropCode, "CR", 2, 2, "CR followed by 2 digits, e.g. CR03"
);

/// The two separate tasks: regular places and places for unaccompanied minors (AMV).
/// They are never interchangeable: every computation is done per commodity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Commodity {
    /// Regular reception places.
    Regular,
    /// Places for unaccompanied minor asylum seekers (alleenstaande minderjarige vreemdelingen).
    Amv,
}

impl Commodity {
    /// Both commodities, regular first (the order of all output).
    pub const ALL: [Commodity; 2] = [Commodity::Regular, Commodity::Amv];

    /// The lowercase name used in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Commodity::Regular => "regular",
            Commodity::Amv => "amv",
        }
    }

    /// The Dutch name used in decision texts.
    pub fn dutch(self) -> &'static str {
        match self {
            Commodity::Regular => "reguliere opvangplaatsen",
            Commodity::Amv => "opvangplaatsen voor alleenstaande minderjarige vreemdelingen (amv)",
        }
    }
}

impl fmt::Display for Commodity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The flat index of a municipality's value of a commodity, where values are kept two per
/// municipality, regular first (result files, per-entry arrays): `2 i` regular, `2 i + 1` AMV.
pub fn entry(municipality: usize, commodity: Commodity) -> usize {
    2 * municipality + commodity as usize
}

/// The municipality and commodity of a flat index (the inverse of [`entry`]).
pub fn entry_of(k: usize) -> (usize, Commodity) {
    (k / 2, if k.is_multiple_of(2) { Commodity::Regular } else { Commodity::Amv })
}

/// The number of flat entries of `municipalities` municipalities.
pub fn entries(municipalities: usize) -> usize {
    2 * municipalities
}

/// One value per commodity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PerCommodity<T> {
    /// The value for regular places.
    pub regular: T,
    /// The value for AMV places.
    pub amv: T,
}

impl<T> PerCommodity<T> {
    /// The value for `commodity`.
    pub fn get(&self, commodity: Commodity) -> &T {
        match commodity {
            Commodity::Regular => &self.regular,
            Commodity::Amv => &self.amv,
        }
    }

    /// The value for `commodity`, mutably.
    pub fn get_mut(&mut self, commodity: Commodity) -> &mut T {
        match commodity {
            Commodity::Regular => &mut self.regular,
            Commodity::Amv => &mut self.amv,
        }
    }
}

impl<T> PerCommodity<Option<T>> {
    /// True when neither commodity has a value.
    pub fn is_none(&self) -> bool {
        self.regular.is_none() && self.amv.is_none()
    }
}

impl<T: Copy> PerCommodity<T> {
    /// The value for `commodity`, by copy.
    pub fn of(&self, commodity: Commodity) -> T {
        *self.get(commodity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_only_their_own_form() {
        assert!(MunicipalityCode::parse("GM0014").is_some());
        assert!(MunicipalityCode::parse("GM014").is_none());
        assert!(MunicipalityCode::parse("GM0000001").is_none());
        assert_eq!(MunicipalityCode::parse("GM012345").unwrap().as_str(), "GM012345");
        assert!(MunicipalityCode::parse("GM0014").unwrap() < MunicipalityCode::parse("GM00140").unwrap());
        assert!(MunicipalityCode::parse("PV0014").is_none());
        assert!(MunicipalityCode::parse("GM00a4").is_none());
        assert!(ProvinceCode::parse("PV20").is_some());
        assert!(ProvinceCode::parse("PV2").is_none());
        assert!(CoropCode::parse("CR40").is_some());
        // Any case, stored in capitals.
        assert_eq!(MunicipalityCode::parse("gm0014"), MunicipalityCode::parse("GM0014"));
        assert_eq!(MunicipalityCode::parse("Gm0014").unwrap().as_str(), "GM0014");
        assert_eq!(ProvinceCode::parse("pv20").unwrap().as_str(), "PV20");
        assert!(MunicipalityCode::parse("g").is_none());
        assert!(MunicipalityCode::parse("é0014").is_none());
    }

    #[test]
    fn entries_are_two_per_municipality_regular_first() {
        assert_eq!(entry(0, Commodity::Regular), 0);
        assert_eq!(entry(0, Commodity::Amv), 1);
        assert_eq!(entry(7, Commodity::Amv), 15);
        for k in 0..20 {
            let (m, c) = entry_of(k);
            assert_eq!(entry(m, c), k);
        }
        assert_eq!(entries(342), 684);
    }

    #[test]
    fn per_commodity_indexes_the_right_field() {
        let mut v = PerCommodity { regular: 1, amv: 2 };
        *v.get_mut(Commodity::Amv) += 10;
        assert_eq!(v.of(Commodity::Regular), 1);
        assert_eq!(v.of(Commodity::Amv), 12);
    }
}
