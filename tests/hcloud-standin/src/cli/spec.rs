//! The command and flag tree of the hcloud CLI v1.47.0, loaded from
//! `data/hcloud-cli-1.47.0.json` (transcribed from the CLI's source; see its `_about`).

use std::collections::BTreeMap;

use serde::Deserialize;

/// The data file, compiled in so that the binary runs from anywhere.
pub const DATA: &str = include_str!("../../data/hcloud-cli-1.47.0.json");

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    #[serde(rename = "_about")]
    #[allow(dead_code)] // the data file's own documentation
    pub about: String,
    pub version: String,
    pub global_flags: Vec<Flag>,
    pub root_commands: Vec<String>,
    pub groups: BTreeMap<String, Group>,
    pub verbs: BTreeMap<String, Verb>,
    pub kinds: BTreeMap<String, Kind>,
    pub special: BTreeMap<String, Verb>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct Flag {
    pub name: String,
    #[serde(default)]
    pub shorthand: Option<String>,
    /// pflag's type: `bool`, `string`, `int`, `int64`, `duration`, `stringSlice`, `stringArray`,
    /// `stringToString`.
    #[serde(rename = "type")]
    pub kind: String,
    pub default: String,
    pub usage: String,
    #[serde(default)]
    pub required: bool,
    /// For `-o`: the output options the command accepts.
    #[serde(default)]
    pub output: Option<Vec<String>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub short: String,
    pub commands: Vec<String>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct Verb {
    /// cobra's `Use`, `{kind}` standing for the kind's kebab-case singular.
    #[serde(rename = "use")]
    pub usage: String,
    pub flags: Vec<Flag>,
    /// The checks of the command's `PreRunE` chain in their order: `token`
    /// (EnsureToken) and `output` (the `-o` validation).
    pub check_order: Vec<String>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Kind {
    pub singular: String,
    #[allow(dead_code)] // transcribed for completeness
    pub plural: String,
    pub delete_singular: String,
    pub delete_plural: String,
    #[allow(dead_code)] // transcribed for completeness
    pub json_key: String,
    #[allow(dead_code)] // transcribed for completeness
    pub json_key_plural: String,
    #[allow(dead_code)] // transcribed for completeness
    pub go_type: String,
    #[serde(default)]
    pub list_flags: Vec<Flag>,
    #[serde(default)]
    pub describe_flags: Vec<Flag>,
    pub columns: Vec<String>,
    pub default_columns: Vec<String>,
    #[serde(default)]
    pub delete_action: Option<String>,
}

/// The parsed data file.
pub fn load() -> Result<Spec, String> {
    serde_json::from_str(DATA).map_err(|e| format!("data/hcloud-cli-1.47.0.json: {e}"))
}

impl Spec {
    /// The command `group verb` as the stand-in runs it, with every flag it takes (the
    /// global flags included); `None` when the stand-in does not implement it.
    pub fn command(&self, group: &str, verb: &str) -> Option<Verb> {
        if let Some(v) = self.special.get(&format!("{group} {verb}")) {
            return Some(self.with_globals(v.clone()));
        }
        let kind = self.kinds.get(group)?;
        let mut v = self.verbs.get(verb)?.clone();
        v.usage = v.usage.replace("{kind}", group);
        match verb {
            "list" => v.flags.extend(kind.list_flags.iter().cloned()),
            "describe" => v.flags.extend(kind.describe_flags.iter().cloned()),
            _ => {}
        }
        Some(self.with_globals(v))
    }

    /// A root command the stand-in runs (`version`).
    pub fn root_command(&self, name: &str) -> Option<Verb> {
        self.special.get(name).map(|v| self.with_globals(v.clone()))
    }

    fn with_globals(&self, mut v: Verb) -> Verb {
        v.flags.extend(self.global_flags.iter().cloned());
        v
    }
}
