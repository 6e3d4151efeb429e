//! Generated reference pages for the presets.
