//! Whole numbers as JSON Schema counts them: `3` and `3.0` are the same integer, and a body
//! field documented as `integer` takes both (serde alone refuses the second). For use with
//! `#[serde(deserialize_with = "...")]`; out of the type's range is refused as serde would.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, Unexpected, Visitor};

struct Whole<T>(T);

impl<'de, T: TryFrom<i64> + TryFrom<u64>> Deserialize<'de> for Whole<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(WholeVisitor(PhantomData))
    }
}

struct WholeVisitor<T>(PhantomData<T>);

impl<T: TryFrom<i64> + TryFrom<u64>> Visitor<'_> for WholeVisitor<T> {
    type Value = Whole<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a whole number in range")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        T::try_from(v)
            .map(Whole)
            .map_err(|_| E::invalid_value(Unexpected::Signed(v), &self))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        T::try_from(v)
            .map(Whole)
            .map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // within ±2^53 every whole float is exactly one integer
        const EXACT: f64 = 9_007_199_254_740_992.0;
        if v.fract() == 0.0 && v.abs() <= EXACT {
            self.visit_i64(v as i64)
        } else {
            Err(E::invalid_type(Unexpected::Float(v), &self))
        }
    }
}

pub fn required<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    Whole::deserialize(deserializer).map(|w| w.0)
}

/// For an `Option` field (with `#[serde(default)]`): null is None.
pub fn optional<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    Option::<Whole<T>>::deserialize(deserializer).map(|o| o.map(|w| w.0))
}

/// A map of whole numbers by key (`{"a": 3, "b": 4.0}`): what `optional` is for one number.
pub fn optional_map<'de, D, T>(
    deserializer: D,
) -> Result<Option<std::collections::BTreeMap<String, T>>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    Option::<std::collections::BTreeMap<String, Whole<T>>>::deserialize(deserializer)
        .map(|o| o.map(|m| m.into_iter().map(|(k, w)| (k, w.0)).collect()))
}

/// For a field whose null means something (with `#[serde(default)]`): present, even as null,
/// is `Some(..)`; absent is None.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    optional(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Body {
        #[serde(deserialize_with = "super::required")]
        n: i16,
        #[serde(default, deserialize_with = "super::optional")]
        m: Option<i64>,
        #[serde(default, deserialize_with = "super::present")]
        p: Option<Option<i32>>,
    }

    fn parse(json: &str) -> Result<Body, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn whole_floats_are_integers_and_nothing_else_is() {
        let body = |n, m, p| Body { n, m, p };
        assert_eq!(parse(r#"{"n": 3}"#), Ok(body(3, None, None)));
        assert_eq!(
            parse(r#"{"n": 3.0, "m": -2.0}"#),
            Ok(body(3, Some(-2), None))
        );
        assert_eq!(
            parse(r#"{"n": 1, "m": null, "p": null}"#),
            Ok(body(1, None, Some(None)))
        );
        assert_eq!(
            parse(r#"{"n": 1, "p": 7.0}"#),
            Ok(body(1, None, Some(Some(7))))
        );
        for bad in [
            r#"{"n": 3.5}"#,
            r#"{"n": 40000}"#,
            r#"{"n": 40000.0}"#,
            r#"{"n": "3"}"#,
            r#"{"n": 1e300}"#,
            r#"{"n": 1, "m": 18446744073709551615}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse(r#"{"n": 2.5}"#).unwrap_err().contains("whole number"));
    }
}
