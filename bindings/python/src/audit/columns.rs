//! Typed, zero-copy readers over the columns of an audited log.
//!
//! A reader borrows the Arrow arrays of one record batch and decodes one
//! cell at a time; no column is converted or copied up front. Each logical
//! kind of column accepts the physical types that pandas, polars and
//! pyarrow produce for it.

use crate::errors::InputProblem;
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, Schema, TimeUnit};
use contactguard::audit::{parse_flag, parse_instant, split_list, Column};
use jiff::Timestamp;
use std::borrow::Cow;

/// Where each column of the log format is, by index in the schema. Names
/// are matched as the command line matches a CSV header: any ASCII case,
/// `timezones` for `timezone` ([`Column::from_name`]).
#[derive(Clone, Debug, Default)]
pub(crate) struct Layout {
    pub(crate) index: [Option<usize>; Column::ALL.len()],
}

impl Layout {
    /// Locates the columns; `at` is required, a column named twice (in
    /// any case) is an error.
    pub(crate) fn of(schema: &Schema) -> Result<Layout, InputProblem> {
        let mut index = [None; Column::ALL.len()];
        for (i, field) in schema.fields().iter().enumerate() {
            let Some(c) = Column::from_name(field.name()) else {
                continue;
            };
            if let Some(slot) = index.get_mut(c as usize) {
                if slot.is_some() {
                    return Err(InputProblem::new(
                        "input.invalid",
                        format!("column `{}` appears twice (names are matched in any case; `timezones` is `timezone`)", c.name()),
                    )
                    .field(c.name()));
                }
                *slot = Some(i);
            }
        }
        if index.get(Column::At as usize).copied().flatten().is_none() {
            return Err(InputProblem::new("input.missing", "the log has no `at` column")
                .field("at")
                .help(
                    "every row needs `at`, the instant of the event, as a timezone-aware timestamp",
                ));
        }
        Ok(Layout { index })
    }

    /// The schema index of a column.
    pub(crate) fn get(&self, c: Column) -> Option<usize> {
        self.index.get(c as usize).copied().flatten()
    }
}

/// Whether a column holds no value at all: every cell null, or every cell
/// NaN (pandas stores an all-empty column as floats).
fn all_missing(array: &dyn Array) -> bool {
    if array.null_count() == array.len() {
        return true;
    }
    match array.data_type() {
        DataType::Float64 => array
            .as_primitive::<Float64Type>()
            .iter()
            .all(|v| v.is_none_or(f64::is_nan)),
        DataType::Float32 => array
            .as_primitive::<Float32Type>()
            .iter()
            .all(|v| v.is_none_or(f32::is_nan)),
        _ => false,
    }
}

fn type_problem(name: &str, dt: &DataType, expected: &str) -> InputProblem {
    InputProblem::new(
        "input.column_type",
        format!("column `{name}` has type {dt}; expected {expected}"),
    )
    .field(name)
}

/// A column of text: UTF-8 (any offset width or views), dictionary-encoded
/// text (pandas categoricals), or integers (numeric keys, shown in decimal).
pub(crate) enum Text<'a> {
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
    Dict {
        array: &'a dyn Array,
        keys: Vec<usize>,
        values: Box<Text<'a>>,
    },
    Int(Ints<'a>),
    /// A column that is null throughout (pandas writes all-`None` object
    /// columns as Arrow `null`).
    Null,
}

impl<'a> Text<'a> {
    pub(crate) fn of(array: &'a ArrayRef, name: &str) -> Result<Text<'a>, InputProblem> {
        Text::of_dyn(array.as_ref(), name)
    }

    fn of_dyn(array: &'a dyn Array, name: &str) -> Result<Text<'a>, InputProblem> {
        Ok(match array.data_type() {
            DataType::Utf8 => Text::Utf8(array.as_string::<i32>()),
            DataType::LargeUtf8 => Text::Large(array.as_string::<i64>()),
            DataType::Utf8View => Text::View(array.as_string_view()),
            DataType::Null => Text::Null,
            DataType::Dictionary(_, _) => {
                let dict = array
                    .as_any_dictionary_opt()
                    .ok_or_else(|| type_problem(name, array.data_type(), "text"))?;
                let values = Text::of_dyn(dict.values().as_ref(), name)?;
                let keys = if dict.values().is_empty() {
                    vec![0; array.len()]
                } else {
                    dict.normalized_keys()
                };
                Text::Dict {
                    array,
                    keys,
                    values: Box::new(values),
                }
            }
            dt if dt.is_integer() => Text::Int(Ints::of_dyn(array, name)?),
            _ if all_missing(array) => Text::Null,
            dt => return Err(type_problem(name, dt, "text")),
        })
    }

    /// The cell at `i`, or `None` when null.
    pub(crate) fn get(&self, i: usize) -> Option<Cow<'a, str>> {
        match self {
            Text::Utf8(a) => (!a.is_null(i)).then(|| Cow::Borrowed(a.value(i))),
            Text::Large(a) => (!a.is_null(i)).then(|| Cow::Borrowed(a.value(i))),
            Text::View(a) => (!a.is_null(i)).then(|| Cow::Borrowed(a.value(i))),
            Text::Dict {
                array,
                keys,
                values,
            } => {
                if array.is_null(i) {
                    None
                } else {
                    values.get(*keys.get(i)?)
                }
            }
            Text::Int(a) => a.get(i).map(|v| Cow::Owned(v.to_string())),
            Text::Null => None,
        }
    }
}

/// A column of whole numbers: any integer width, or floats that hold whole
/// numbers (pandas turns an integer column with gaps into floats).
pub(crate) enum Ints<'a> {
    I8(&'a arrow_array::Int8Array),
    I16(&'a arrow_array::Int16Array),
    I32(&'a arrow_array::Int32Array),
    I64(&'a arrow_array::Int64Array),
    U8(&'a arrow_array::UInt8Array),
    U16(&'a arrow_array::UInt16Array),
    U32(&'a arrow_array::UInt32Array),
    U64(&'a arrow_array::UInt64Array),
    F32(&'a arrow_array::Float32Array),
    F64(&'a arrow_array::Float64Array),
    Null,
}

impl<'a> Ints<'a> {
    pub(crate) fn of(array: &'a ArrayRef, name: &str) -> Result<Ints<'a>, InputProblem> {
        Ints::of_dyn(array.as_ref(), name)
    }

    fn of_dyn(array: &'a dyn Array, name: &str) -> Result<Ints<'a>, InputProblem> {
        Ok(match array.data_type() {
            DataType::Int8 => Ints::I8(array.as_primitive::<Int8Type>()),
            DataType::Int16 => Ints::I16(array.as_primitive::<Int16Type>()),
            DataType::Int32 => Ints::I32(array.as_primitive::<Int32Type>()),
            DataType::Int64 => Ints::I64(array.as_primitive::<Int64Type>()),
            DataType::UInt8 => Ints::U8(array.as_primitive::<UInt8Type>()),
            DataType::UInt16 => Ints::U16(array.as_primitive::<UInt16Type>()),
            DataType::UInt32 => Ints::U32(array.as_primitive::<UInt32Type>()),
            DataType::UInt64 => Ints::U64(array.as_primitive::<UInt64Type>()),
            DataType::Float32 => Ints::F32(array.as_primitive::<Float32Type>()),
            DataType::Float64 => Ints::F64(array.as_primitive::<Float64Type>()),
            DataType::Null => Ints::Null,
            dt => return Err(type_problem(name, dt, "integers")),
        })
    }

    /// The cell at `i`; `None` when null, NaN or not a whole number.
    pub(crate) fn get(&self, i: usize) -> Option<i64> {
        fn whole(f: f64) -> Option<i64> {
            #[expect(
                clippy::cast_possible_truncation,
                reason = "checked to be whole and in range"
            )]
            (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
        }
        match self {
            Ints::I8(a) => (!a.is_null(i)).then(|| i64::from(a.value(i))),
            Ints::I16(a) => (!a.is_null(i)).then(|| i64::from(a.value(i))),
            Ints::I32(a) => (!a.is_null(i)).then(|| i64::from(a.value(i))),
            Ints::I64(a) => (!a.is_null(i)).then(|| a.value(i)),
            Ints::U8(a) => (!a.is_null(i)).then(|| i64::from(a.value(i))),
            Ints::U16(a) => (!a.is_null(i)).then(|| i64::from(a.value(i))),
            Ints::U32(a) => (!a.is_null(i)).then(|| i64::from(a.value(i))),
            Ints::U64(a) => (!a.is_null(i))
                .then(|| i64::try_from(a.value(i)).ok())
                .flatten(),
            Ints::F32(a) => (!a.is_null(i))
                .then(|| whole(f64::from(a.value(i))))
                .flatten(),
            Ints::F64(a) => (!a.is_null(i)).then(|| whole(a.value(i))).flatten(),
            Ints::Null => None,
        }
    }

    /// Whether the cell is present but not a whole number.
    pub(crate) fn is_bad(&self, i: usize) -> bool {
        let present = match self {
            Ints::F32(a) => !a.is_null(i) && !a.value(i).is_nan(),
            Ints::F64(a) => !a.is_null(i) && !a.value(i).is_nan(),
            _ => false,
        };
        present && self.get(i).is_none()
    }
}

/// A column of flags: booleans, integers (non-zero is true), or text
/// (`true`/`false`, `yes`/`no`, `1`/`0`, `t`/`f`, `y`/`n`).
pub(crate) enum Flags<'a> {
    Bool(&'a arrow_array::BooleanArray),
    Int(Ints<'a>),
    Text(Text<'a>),
    Null,
}

impl<'a> Flags<'a> {
    pub(crate) fn of(array: &'a ArrayRef, name: &str) -> Result<Flags<'a>, InputProblem> {
        Ok(match array.data_type() {
            DataType::Boolean => Flags::Bool(array.as_boolean()),
            DataType::Null => Flags::Null,
            dt if dt.is_numeric() => Flags::Int(Ints::of(array, name)?),
            _ => Flags::Text(
                Text::of(array, name)
                    .map_err(|_| type_problem(name, array.data_type(), "booleans"))?,
            ),
        })
    }

    /// The cell at `i`: `Ok(None)` when null, an error for text that is
    /// not a flag.
    pub(crate) fn get(&self, i: usize) -> Result<Option<bool>, String> {
        Ok(match self {
            Flags::Bool(a) => (!a.is_null(i)).then(|| a.value(i)),
            Flags::Int(a) => a.get(i).map(|v| v != 0),
            Flags::Null => None,
            Flags::Text(t) => match t.get(i) {
                Some(s) if !s.trim().is_empty() => Some(parse_flag(&s)?),
                _ => None,
            },
        })
    }
}

/// A column of instants: Arrow timestamps that carry a time zone (any
/// unit), or RFC 3339 text with an offset.
pub(crate) enum Instants<'a> {
    Stamps {
        values: &'a [i64],
        nulls: Option<&'a NullBuffer>,
        /// Nanoseconds per unit.
        scale: i128,
    },
    Text(Text<'a>),
    Null,
}

impl<'a> Instants<'a> {
    pub(crate) fn of(array: &'a ArrayRef, name: &str) -> Result<Instants<'a>, InputProblem> {
        let naive = || {
            InputProblem::new(
                "input.naive_datetime",
                format!("column `{name}` holds naive timestamps (no time zone), so its values name no instant"),
            )
            .field(name)
            .help(format!(
                "localize it first: pandas `df[\"{name}\"].dt.tz_localize(\"UTC\")`, polars \
                 `pl.col(\"{name}\").dt.replace_time_zone(\"UTC\")`, pyarrow `timestamp(\"us\", tz=\"UTC\")`"
            ))
        };
        Ok(match array.data_type() {
            DataType::Timestamp(_, None) => return Err(naive()),
            DataType::Timestamp(unit, Some(_)) => {
                let (values, scale): (&[i64], i128) = match unit {
                    TimeUnit::Second => (
                        array.as_primitive::<TimestampSecondType>().values(),
                        1_000_000_000,
                    ),
                    TimeUnit::Millisecond => (
                        array.as_primitive::<TimestampMillisecondType>().values(),
                        1_000_000,
                    ),
                    TimeUnit::Microsecond => (
                        array.as_primitive::<TimestampMicrosecondType>().values(),
                        1_000,
                    ),
                    TimeUnit::Nanosecond => {
                        (array.as_primitive::<TimestampNanosecondType>().values(), 1)
                    }
                };
                Instants::Stamps {
                    values,
                    nulls: array.nulls(),
                    scale,
                }
            }
            DataType::Null => Instants::Null,
            _ if all_missing(array.as_ref()) => Instants::Null,
            DataType::Date32 | DataType::Date64 => return Err(naive()),
            _ => Instants::Text(Text::of(array, name).map_err(|_| {
                type_problem(
                    name,
                    array.data_type(),
                    "timezone-aware timestamps or RFC 3339 text",
                )
            })?),
        })
    }

    /// The cell at `i`: `Ok(None)` when null.
    pub(crate) fn get(&self, i: usize) -> Result<Option<Timestamp>, String> {
        match self {
            Instants::Stamps {
                values,
                nulls,
                scale,
            } => {
                if nulls.is_some_and(|n| n.is_null(i)) {
                    return Ok(None);
                }
                let v = values.get(i).copied().ok_or("row out of range")?;
                Timestamp::from_nanosecond(i128::from(v) * scale)
                    .map(Some)
                    .map_err(|e| format!("timestamp out of range: {e}"))
            }
            Instants::Text(t) => match t.get(i) {
                None => Ok(None),
                Some(s) if s.trim().is_empty() => Ok(None),
                Some(s) => parse_instant(&s).map(Some),
            },
            Instants::Null => Ok(None),
        }
    }
}

/// A column of names, one or several per cell: a list of text, or text
/// separated by `|`, `;`, `,` or spaces.
pub(crate) enum Names<'a> {
    List {
        array: &'a dyn Array,
        offsets: Vec<usize>,
        values: Text<'a>,
    },
    Text(Text<'a>),
}

impl<'a> Names<'a> {
    pub(crate) fn of(array: &'a ArrayRef, name: &str) -> Result<Names<'a>, InputProblem> {
        let list = |offsets: Vec<usize>, values: &'a ArrayRef| -> Result<Names<'a>, InputProblem> {
            Ok(Names::List {
                array: array.as_ref(),
                offsets,
                values: Text::of(values, name)?,
            })
        };
        match array.data_type() {
            DataType::List(_) => {
                let l = array.as_list::<i32>();
                let offsets = l
                    .value_offsets()
                    .iter()
                    .map(|&o| usize::try_from(o).unwrap_or(0))
                    .collect();
                list(offsets, l.values())
            }
            DataType::LargeList(_) => {
                let l = array.as_list::<i64>();
                let offsets = l
                    .value_offsets()
                    .iter()
                    .map(|&o| usize::try_from(o).unwrap_or(0))
                    .collect();
                list(offsets, l.values())
            }
            _ => Ok(Names::Text(Text::of(array, name).map_err(|_| {
                type_problem(name, array.data_type(), "text or lists of text")
            })?)),
        }
    }

    /// Appends the names in the cell at `i` to `out` (none when null).
    pub(crate) fn fill(&self, i: usize, out: &mut Vec<String>) {
        match self {
            Names::List {
                array,
                offsets,
                values,
            } => {
                if array.is_null(i) {
                    return;
                }
                let (Some(&a), Some(&b)) = (offsets.get(i), offsets.get(i + 1)) else {
                    return;
                };
                out.extend(
                    (a..b)
                        .filter_map(|j| values.get(j))
                        .map(|s| s.trim().to_owned()),
                );
            }
            Names::Text(t) => {
                if let Some(s) = t.get(i) {
                    out.extend(split_list(&s).map(str::to_owned));
                }
            }
        }
    }
}
