//! `Policy::load`: one set of rules and messages for a policy file, shared
//! by the command line, the C ABI and the bindings. One test per family of
//! error, on real files in a temporary directory.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use contactguard::{ErrorCode, Policy, PolicyError};
use std::path::{Path, PathBuf};

/// A fresh directory for one test, removed when dropped.
struct Dir(PathBuf);

impl Dir {
    fn new(test: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("cg-load-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Dir(dir)
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).expect("write");
        path
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn load_err(path: &Path) -> PolicyError {
    Policy::load(path, std::fs::read).expect_err("the policy should be refused")
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

const GOOD: &str = "format = \"contactguard-policy/1\"\nextends = [\"us-reg-f\"]\n";

#[test]
fn a_good_file_loads_as_toml_or_json_by_its_name() {
    let dir = Dir::new("good");
    let toml = dir.file("good.TOML", GOOD.as_bytes());
    let json = dir.file(
        "good.json",
        br#"{"format": "contactguard-policy/1", "extends": ["us-reg-f"]}"#,
    );
    let preset = Policy::preset("us-reg-f").unwrap();
    let ids = |p: &Policy| p.rules().iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    assert_eq!(
        ids(&Policy::load(&toml, std::fs::read).unwrap()),
        ids(&preset)
    );
    assert_eq!(
        ids(&Policy::load(&json, std::fs::read).unwrap()),
        ids(&preset)
    );
}

#[test]
fn a_missing_file_is_policy_io_with_the_reason_in_words() {
    let dir = Dir::new("missing");
    let missing = dir.0.join("missing.toml");
    let e = load_err(&missing);
    let d = e.diagnostic();
    assert_eq!(d.code, ErrorCode::PolicyIo, "{d}");
    assert_eq!(d.file.as_deref(), Some(shown(&missing).as_str()));
    assert_eq!(d.message, "cannot read the policy: no such file");
    assert_eq!((d.line, d.column, d.field.as_deref()), (None, None, None));
    assert!(
        d.help
            .as_deref()
            .is_some_and(|h| h.contains("relative paths")),
        "{d}"
    );
    assert!(
        e.to_string().starts_with(&format!(
            "{}: cannot read the policy: no such file\n  help: ",
            shown(&missing)
        )),
        "{e}"
    );

    // A directory, and a reason the loader has no words for (the reader's
    // own message is kept).
    let sub = dir.0.join("sub.json");
    std::fs::create_dir(&sub).expect("mkdir");
    let e = load_err(&sub);
    assert_eq!(e.error_code(), ErrorCode::PolicyIo);
    assert_eq!(e.message, "cannot read the policy: it is a directory");
    let e = Policy::load(Path::new("p.toml"), |_| {
        Err(std::io::Error::other("the disk is on fire"))
    })
    .expect_err("refused");
    assert_eq!(
        (e.error_code(), e.message.as_str(), e.source_name.as_deref()),
        (
            ErrorCode::PolicyIo,
            "cannot read the policy: the disk is on fire",
            Some("p.toml")
        )
    );
    let e = Policy::load(Path::new("p.toml"), |_| {
        Err(std::io::ErrorKind::PermissionDenied.into())
    })
    .expect_err("refused");
    assert_eq!(e.message, "cannot read the policy: permission denied");
}

#[test]
fn a_file_that_is_not_utf8_is_policy_encoding_with_the_byte_offset() {
    let dir = Dir::new("binary");
    // `{"format": ` is 11 bytes; byte 11 (0-based) is 0xff.
    let binary = dir.file("binary.json", b"{\"format\": \xff}");
    let e = load_err(&binary);
    let d = e.diagnostic();
    assert_eq!(d.code, ErrorCode::PolicyEncoding, "{d}");
    assert_eq!(d.file.as_deref(), Some(shown(&binary).as_str()));
    assert_eq!(d.message, "the policy is not UTF-8 text (byte 11 is not)");
    assert_eq!(d.help.as_deref(), Some("save the policy as UTF-8"));
    // A sequence cut short at the end is bad from its first byte (`é` is
    // two bytes; the first stands alone at offset 10).
    let cut = dir.file(
        "cut.toml",
        "format = \"é".as_bytes().split_last().unwrap().1,
    );
    assert_eq!(
        load_err(&cut).message,
        "the policy is not UTF-8 text (byte 10 is not)"
    );
}

#[test]
fn a_name_that_says_no_syntax_is_policy_file_type_and_nothing_is_read() {
    for name in ["policy.txt", "policy", "policy.toml.bak", "policy.yaml"] {
        let mut read = false;
        let e = Policy::load(Path::new(name), |_| {
            read = true;
            Ok(GOOD.as_bytes().to_vec())
        })
        .expect_err("no syntax");
        let d = e.diagnostic();
        assert_eq!(d.code, ErrorCode::PolicyFileType, "{name}: {d}");
        assert_eq!(d.file.as_deref(), Some(name));
        assert!(d.message.contains("`.toml` or `.json`"), "{d}");
        assert!(d.help.is_some(), "{d}");
        assert!(!read, "{name} was read");
    }
    // Even when the file does not exist: its name is the first problem.
    let e = load_err(Path::new("no-such-dir/policy.txt"));
    assert_eq!(e.error_code(), ErrorCode::PolicyFileType);
}

#[test]
fn a_mistake_in_the_file_names_file_line_column_and_field() {
    let dir = Dir::new("mistake");
    let text = format!(
        "{GOOD}[[rules]]\nid = \"a\"\ntitle = \"t\"\ncite = \"c\"\nstatus = \"law\"\nkind = \"cap\"\nlimit = \"three\"\nscope = \"recipient\"\n"
    );
    let bad = dir.file("bad.toml", text.as_bytes());
    let e = load_err(&bad);
    let d = e.diagnostic();
    assert_eq!(d.code, ErrorCode::PolicyInvalid, "{d}");
    assert_eq!(d.file.as_deref(), Some(shown(&bad).as_str()));
    assert_eq!((d.line, d.column), (Some(9), Some(9)), "{d}");
    assert_eq!(d.field.as_deref(), Some("rules[0].limit"));
    assert!(
        e.to_string()
            .starts_with(&format!("{}:9:9: `rules[0].limit`: ", shown(&bad))),
        "{e}"
    );

    // Not well-formed JSON: `policy.syntax` at its line and column.
    let broken = dir.file(
        "broken.json",
        b"{\"format\":\n  \"contactguard-policy/1\",,}",
    );
    let d = load_err(&broken).diagnostic();
    assert_eq!(d.code, ErrorCode::PolicySyntax, "{d}");
    assert_eq!(d.file.as_deref(), Some(shown(&broken).as_str()));
    assert_eq!(d.line, Some(2), "{d}");
    assert!(d.column.is_some(), "{d}");
}
