//! A stand-in of the hetznercloud/hcloud Terraform provider v1.54.0: the provider's
//! schema, its validations and the API's rules, over a fake cloud kept in a JSON file.
#![deny(unsafe_code)]

pub mod api;
pub mod catalog;
pub mod cloud;
pub mod data;
pub mod named;
pub mod provider;
pub mod schema;
pub mod validate;
pub mod values;
