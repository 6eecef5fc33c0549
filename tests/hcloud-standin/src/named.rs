//! What every kind of object in the fake cloud has: an ID, a name unique per kind,
//! labels, a `created` timestamp and (for most kinds) delete protection. The API's
//! create and update rules that only touch these (`api::unique_in`,
//! `api::update_common`) and the CLI's common columns serve every kind through this
//! trait instead of one copy per kind.

use crate::cloud::{
    Firewall, FloatingIp, Labels, LoadBalancer, Network, PlacementGroup, PrimaryIp, Server, SshKey,
    Volume,
};

/// An object of one kind of the fake cloud.
pub trait Named {
    fn id(&self) -> u64;
    fn name(&self) -> &str;
    fn labels(&self) -> &Labels;
    /// The `created` timestamp.
    fn created(&self) -> &str;
    fn set_name(&mut self, name: String);
    fn set_labels(&mut self, labels: Labels);
    /// The delete protection, for the kinds that have one.
    fn delete_protection_mut(&mut self) -> Option<&mut bool>;
}

macro_rules! named {
    ($t:ty, $protection:ident) => {
        named!(@impl $t, |x: &mut $t| Some(&mut x.$protection));
    };
    ($t:ty) => {
        named!(@impl $t, |_x: &mut $t| None);
    };
    (@impl $t:ty, $protect:expr) => {
        impl Named for $t {
            fn id(&self) -> u64 {
                self.id
            }
            fn name(&self) -> &str {
                &self.name
            }
            fn labels(&self) -> &Labels {
                &self.labels
            }
            fn created(&self) -> &str {
                &self.created
            }
            fn set_name(&mut self, name: String) {
                self.name = name;
            }
            fn set_labels(&mut self, labels: Labels) {
                self.labels = labels;
            }
            fn delete_protection_mut(&mut self) -> Option<&mut bool> {
                let protect: fn(&mut $t) -> Option<&mut bool> = $protect;
                protect(self)
            }
        }
    };
}

named!(Server, delete_protection);
named!(Network, delete_protection);
named!(Firewall);
named!(SshKey);
named!(PlacementGroup);
named!(PrimaryIp, delete_protection);
named!(Volume, delete_protection);
named!(LoadBalancer, delete_protection);
named!(FloatingIp, delete_protection);
