//! The crate and ABI version.

use std::os::raw::c_char;

/// Major version of this library (the header's `CG_VERSION_MAJOR`).
pub const CG_VERSION_MAJOR: u32 = 0;
/// Minor version.
pub const CG_VERSION_MINOR: u32 = 1;
/// Patch version.
pub const CG_VERSION_PATCH: u32 = 0;

/// The version of the binary interface: the layout of the structs, the
/// values of the enums and result codes and the functions' contracts. It
/// changes whenever a program built against an older header could
/// misbehave with this library; bindings that load the library at run time
/// (Java) refuse one whose `cg_abi_version()` differs from theirs.
///
/// 2: every enum field of the ask reads 0 as `UNSET` (`CG_CHANNEL_UNSET`,
/// `CG_ROLE_UNSET`, `CG_PLACE_UNSET`, `CG_PURPOSE_UNSET`), the other
/// values moved up by one, and `CG_RESULT_MISSING_FIELD` was added.
pub const CG_ABI_VERSION: u32 = 2;

const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The library's version, `"MAJOR.MINOR.PATCH"`, NUL-terminated, static
/// (never freed). Compare it with the header's `CG_VERSION_*` macros to
/// detect a header and library from different builds.
#[no_mangle]
pub extern "C" fn cg_version() -> *const c_char {
    VERSION.as_ptr().cast()
}

/// The library's ABI version (`CG_ABI_VERSION` of the header it was built
/// with). A program compares it with the header's macro at start-up.
#[no_mangle]
pub extern "C" fn cg_abi_version() -> u32 {
    crate::boundary::value_guard(CG_ABI_VERSION, || CG_ABI_VERSION)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header's macros come from the constants above; they must match
    /// the version in Cargo.toml.
    #[test]
    fn constants_match_cargo_toml() {
        let cargo: Vec<u32> = env!("CARGO_PKG_VERSION")
            .split(['.', '-'])
            .take(3)
            .map(|p| p.parse().unwrap_or(u32::MAX))
            .collect();
        assert_eq!(
            cargo,
            vec![CG_VERSION_MAJOR, CG_VERSION_MINOR, CG_VERSION_PATCH]
        );
        // And Cargo.toml itself (the workspace's version), read as text.
        let toml =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml"))
                .unwrap_or_default();
        let want =
            format!("version = \"{CG_VERSION_MAJOR}.{CG_VERSION_MINOR}.{CG_VERSION_PATCH}\"");
        assert!(
            toml.lines().any(|l| l.trim() == want),
            "Cargo.toml has no `{want}`"
        );
    }

    /// The committed header's macros (`CG_VERSION_STRING` is written in
    /// cbindgen.toml, which cannot read Cargo.toml) match the crate.
    #[test]
    fn header_macros_match_cargo_toml() {
        let header = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../include/contactguard.h"
        ))
        .unwrap_or_default();
        let v = env!("CARGO_PKG_VERSION");
        for want in [
            format!("#define CG_VERSION_STRING \"{v}\""),
            format!(
                "#define CG_VERSION_MAJOR {}",
                env!("CARGO_PKG_VERSION_MAJOR")
            ),
            format!(
                "#define CG_VERSION_MINOR {}",
                env!("CARGO_PKG_VERSION_MINOR")
            ),
            format!(
                "#define CG_VERSION_PATCH {}",
                env!("CARGO_PKG_VERSION_PATCH")
            ),
        ] {
            assert!(
                header.lines().any(|l| l.trim() == want),
                "include/contactguard.h has no `{want}`"
            );
        }
    }

    #[test]
    fn abi_version_is_in_the_header() {
        let header = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../include/contactguard.h"
        ))
        .unwrap_or_default();
        let want = format!("#define CG_ABI_VERSION {CG_ABI_VERSION}");
        assert!(header.lines().any(|l| l.trim() == want));
        assert_eq!(cg_abi_version(), CG_ABI_VERSION);
    }

    #[test]
    fn runtime_version_is_nul_terminated() {
        // SAFETY: a static NUL-terminated string.
        let v = unsafe { std::ffi::CStr::from_ptr(cg_version()) };
        assert_eq!(v.to_str().ok(), Some(env!("CARGO_PKG_VERSION")));
    }
}
