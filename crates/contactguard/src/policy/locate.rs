//! Finding a field path such as `rules[3].limit` in policy text, so that
//! errors found after parsing still name a line and column.

use toml::de::{DeTable, DeValue};

enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, mut rest) = match part.find('[') {
            Some(i) => part.split_at(i),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Step::Key(key));
        }
        while let Some(stripped) = rest.strip_prefix('[') {
            let end = stripped.find(']').unwrap_or(stripped.len());
            if let Ok(i) = stripped.get(..end).unwrap_or("").parse() {
                out.push(Step::Index(i));
            }
            rest = stripped.get(end + 1..).unwrap_or("");
        }
    }
    out
}

/// Byte offset of the value at `path` in TOML text (or of the deepest part
/// of the path that exists).
pub(crate) fn toml_path(text: &str, path: &str) -> Option<usize> {
    let root = DeTable::parse(text).ok()?;
    let mut best = None;
    let mut table: Option<&DeTable<'_>> = Some(root.get_ref());
    let mut value: Option<&toml::Spanned<DeValue<'_>>> = None;
    for step in steps(path) {
        match step {
            Step::Key(k) => {
                let Some(t) = table.take() else { return best };
                let Some((key, v)) = t.iter().find(|(key, _)| key.get_ref().as_ref() == k) else {
                    return best;
                };
                best = Some(key.span().start);
                value = Some(v);
            }
            Step::Index(i) => {
                let DeValue::Array(items) = value?.get_ref() else {
                    return best;
                };
                let Some(v) = items.get(i) else { return best };
                best = Some(v.span().start);
                value = Some(v);
            }
        }
        table = match value.map(|v| v.get_ref()) {
            Some(DeValue::Table(t)) => Some(t),
            _ => None,
        };
    }
    best
}

/// Byte offset of the value at `path` in JSON text.
pub(crate) fn json_path(text: &str, path: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut pos = skip_ws(bytes, 0);
    let mut best = None;
    for step in steps(path) {
        match step {
            Step::Key(k) => {
                if bytes.get(pos) != Some(&b'{') {
                    return best;
                }
                pos = skip_ws(bytes, pos + 1);
                loop {
                    if bytes.get(pos) != Some(&b'"') {
                        return best;
                    }
                    let key_start = pos;
                    let key_end = skip_string(bytes, pos)?;
                    let key = text.get(key_start + 1..key_end - 1)?;
                    pos = skip_ws(bytes, key_end);
                    if bytes.get(pos) != Some(&b':') {
                        return best;
                    }
                    pos = skip_ws(bytes, pos + 1);
                    if key == k {
                        best = Some(key_start);
                        break;
                    }
                    pos = skip_ws(bytes, skip_value(bytes, pos)?);
                    match bytes.get(pos) {
                        Some(b',') => pos = skip_ws(bytes, pos + 1),
                        _ => return best,
                    }
                }
            }
            Step::Index(i) => {
                if bytes.get(pos) != Some(&b'[') {
                    return best;
                }
                pos = skip_ws(bytes, pos + 1);
                for _ in 0..i {
                    pos = skip_ws(bytes, skip_value(bytes, pos)?);
                    match bytes.get(pos) {
                        Some(b',') => pos = skip_ws(bytes, pos + 1),
                        _ => return best,
                    }
                }
                best = Some(pos);
            }
        }
    }
    best
}

fn skip_ws(b: &[u8], mut pos: usize) -> usize {
    while b.get(pos).is_some_and(|c| c.is_ascii_whitespace()) {
        pos += 1;
    }
    pos
}

/// Position after the string starting at `pos`.
fn skip_string(b: &[u8], mut pos: usize) -> Option<usize> {
    pos += 1;
    loop {
        match b.get(pos)? {
            b'\\' => pos += 2,
            b'"' => return Some(pos + 1),
            _ => pos += 1,
        }
    }
}

/// Position after the value starting at `pos`.
fn skip_value(b: &[u8], pos: usize) -> Option<usize> {
    match b.get(pos)? {
        b'"' => skip_string(b, pos),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut p = pos;
            loop {
                match b.get(p)? {
                    b'"' => {
                        p = skip_string(b, p)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(p + 1);
                        }
                    }
                    _ => {}
                }
                p += 1;
            }
        }
        _ => {
            let mut p = pos;
            while b
                .get(p)
                .is_some_and(|c| !matches!(c, b',' | b'}' | b']') && !c.is_ascii_whitespace())
            {
                p += 1;
            }
            Some(p)
        }
    }
}
