//! Gives the shared library an ELF SONAME on Linux, so that a program
//! linked against an installed `libcontactguard_ffi.so` records that name
//! (not the path it was linked from) and finds the library through its
//! rpath or the loader's search path (`make install`, docs/c.md).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libcontactguard_ffi.so");
    }
}
