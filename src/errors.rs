//! The codes of the fixed errors (reading, writing, templates) that stop a
//! run, documented for `topogen explain` beside the rules of
//! [`crate::check`]. Each code is declared once, on its error type; this
//! table explains it, and a test keeps the two in step.

/// One fixed error's code and its documentation.
#[derive(Debug)]
pub struct ErrorCode {
    /// Stable code, `topogen::<area>::<name>`, as on the error type.
    pub code: &'static str,
    /// One line: when it is reported.
    pub(crate) summary: &'static str,
    /// Markdown: what happened and how to fix it.
    pub(crate) docs: &'static str,
}

const fn e(code: &'static str, summary: &'static str, docs: &'static str) -> ErrorCode {
    ErrorCode {
        code,
        summary,
        docs,
    }
}

/// Every fixed error, sorted by code.
pub const ALL: &[ErrorCode] = &[
    e(
        "topogen::io::foreign_config",
        "the cluster.kdl found in a parent directory belongs to another user",
        "Without `--config`, topogen looks for `cluster.kdl` in the working directory and its\nparents. One found in a parent but owned by another user is not read, as git refuses\na repository another user owns: outside a repository the search reaches shared\ndirectories such as `/tmp`, where anyone may plant one. If you trust the file, name\nit with `--config`.",
    ),
    e(
        "topogen::io::locked",
        "another build is writing the same output directory",
        "Two `topogen build` runs on one output directory take turns: the second stops here\nand changes nothing. Wait for the other to finish; the lock is released when its\nprocess ends, even when it was killed.",
    ),
    e(
        "topogen::io::no_config",
        "no `--config` was given and no cluster.kdl was found",
        "Without `--config`, topogen reads the `cluster.kdl` of the working directory or of\nthe nearest parent directory, like cargo finds `Cargo.toml`; the search stops at the\nrepository's root (the directory holding `.git`). The message names where it looked.\nRun topogen inside the repository, pass `--config FILE` (`-` reads standard input),\nor create the file with `topogen init`.",
    ),
    e(
        "topogen::io::not_a_directory",
        "a path that must be a directory is a file",
        "An output directory, or a directory beneath it, exists as a file. Move the file away;\ntopogen creates the directory.",
    ),
    e(
        "topogen::io::not_owned",
        "a file the build would write exists and was not written by topogen",
        "topogen overwrites only files its manifest (`.topogen-manifest` in the output\ndirectory) lists. Move the file away (or delete it) and build again; nothing was\nchanged.",
    ),
    e(
        "topogen::io::out_path",
        "`--out` is outside the repository, or not a portable path",
        "The generated workflows and Terraform module read the tfvars, cloud-init, pins and\nmodule under the output directory by its path in the repository. `--out DIR` must\ntherefore lie beneath the directory of cluster.kdl and be a portable path there\n(letters, digits, `.`, `_`, `-` and `/`). To build somewhere else, copy cluster.kdl\nthere and build the copy.",
    ),
    e(
        "topogen::io::overlap",
        "the two output directories are one, or one holds the other",
        "`output dir=` and `output workflows=` must name separate directories, neither inside\nthe other: each build would otherwise delete the other's files.",
    ),
    e(
        "topogen::io::partial",
        "one output directory was replaced and the other could not be",
        "A build replaces both output directories or neither; here the second swap failed and\nthe first could not be undone. Each directory still holds a whole tree, the old or\nthe new: fix the cause (disk space, permissions) and build again to finish.",
    ),
    e(
        "topogen::io::read",
        "the topology file cannot be read",
        "The file `--config` names (by default the `cluster.kdl` found in the working\ndirectory or a parent) does not exist or cannot be opened. Pass the right file with\n`--config FILE` (`-c -` reads standard input), or create one with `topogen init`.",
    ),
    e(
        "topogen::io::special_file",
        "a path topogen reads is a FIFO, a socket or a device",
        "topogen reads only regular files and directories, so that a planted FIFO or device\ncannot block or feed a run. Remove it, or point topogen at a regular file.",
    ),
    e(
        "topogen::io::symlink",
        "a path inside the repository is a symbolic link",
        "topogen follows no link beneath the directory it reads or writes (see SECURITY.md),\nso nothing was read or written through it. Replace the link with a real directory or\nfile.",
    ),
    e(
        "topogen::io::too_large",
        "a file topogen reads is larger than any file it writes",
        "A file in the output tree, a template overlay or the build record is larger than a\nbuild may write (the limits in `topogen reference`). Check that this is the right\nfile; remove it if it is not topogen's.",
    ),
    e(
        "topogen::io::unsafe_path",
        "a planned path would leave its output directory",
        "A path topogen would write is empty, has a `.` or `..` component, or names `.git`.\nValidation normally rejects the value first: check `output dir=`, `output\nworkflows=` and the cluster, environment and pool names.",
    ),
    e(
        "topogen::io::write",
        "writing or reading the output failed",
        "The operating system refused an operation (its message follows the path): no\nspace, no permission, a read-only file system. Nothing in any output directory was\nchanged; fix the cause and run the command again.",
    ),
    e(
        "topogen::template::dangling",
        "a generated file names a file the build does not write",
        "Every path a generated workflow or Terraform file reads (the tfvars, cloud-init,\npins and Kubernetes files under the output directory, a reusable workflow) must be a\nfile the same build writes, laid out as the repository holds them. A template\noverlay (`--templates`) that names another path is refused before anything is\nwritten; compare it with the built-in template (`topogen templates --dump DIR`).",
    ),
    e(
        "topogen::template::overlay",
        "the `--templates` directory cannot be read",
        "`--templates DIR` takes a directory laid out like topogen's `templates/`\n(`topogen templates --dump DIR` writes a copy to start from). Check the path and the\nfile's permissions.",
    ),
    e(
        "topogen::template::render",
        "a template failed to render, or passed its fuel or output limit",
        "A template (built in, or yours from `--templates`) raised an error or ran past the\nlimits in `topogen reference`. With an overlay, compare it with the built-in template\n(`topogen templates --dump DIR`).",
    ),
    e(
        "topogen::template::syntax",
        "a template in the overlay does not parse",
        "A file of the `--templates` directory is not valid minijinja. The message names the\ntemplate and the line; fix it there.",
    ),
    e(
        "topogen::template::unknown",
        "a file in the template overlay replaces no built-in template",
        "An overlay replaces built-in templates by name (`topogen templates` lists them); a\nfile with another name would be silently ignored, so it is an error. Rename or remove\nit.",
    ),
    e(
        "topogen::why::file",
        "`topogen why` names a file the build does not generate",
        "`topogen why PATH:LINE` explains a line of a file topogen generates. PATH is as written\nunder the output directory (`generated/environments/dev.tfvars`) or the workflows\ndirectory, relative to the directory of cluster.kdl, or the path inside the output\ndirectory. The help names the closest generated file.",
    ),
    e(
        "topogen::why::line",
        "`topogen why` asks for a line past the end of the file",
        "Lines are numbered from 1, as an editor numbers them; the message says how many lines\nthe generated file has.",
    ),
    e(
        "topogen::why::target",
        "the argument of `topogen why` is not PATH:LINE",
        "`topogen why` takes one argument: a generated file and a line number from 1, joined by\na colon: `topogen why generated/environments/dev.tfvars:12`.",
    ),
];

/// The fixed error with `code`; `io::read` is accepted for `topogen::io::read`.
pub(crate) fn find(code: &str) -> Option<&'static ErrorCode> {
    let code = code.trim();
    ALL.iter()
        .find(|e| e.code == code || e.code.strip_prefix("topogen::") == Some(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `code(topogen::…)` written on an error type in `src/`.
    fn declared() -> std::collections::BTreeSet<String> {
        fn walk(dir: &std::path::Path, out: &mut std::collections::BTreeSet<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|x| x == "rs")
                    && !path.ends_with("errors.rs")
                {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for (at, _) in text.match_indices("code(topogen::") {
                        let rest = &text[at + "code(".len()..];
                        let end = rest.find(')').unwrap();
                        out.insert(rest[..end].to_owned());
                    }
                }
            }
        }
        let mut out = std::collections::BTreeSet::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut out,
        );
        out
    }

    #[test]
    fn every_declared_code_is_documented_and_no_other() {
        let declared = declared();
        assert!(declared.contains("topogen::io::read"), "{declared:?}");
        let documented: std::collections::BTreeSet<String> =
            ALL.iter().map(|e| e.code.to_owned()).collect();
        assert_eq!(declared, documented);
    }

    #[test]
    fn the_table_is_sorted_and_no_code_is_also_a_rule() {
        assert!(ALL.windows(2).all(|w| w[0].code < w[1].code));
        for e in ALL {
            assert!(crate::check::find(e.code).is_none(), "{}", e.code);
            assert!(!e.summary.ends_with('.') && !e.docs.is_empty());
        }
    }

    #[test]
    fn a_code_is_found_with_or_without_its_prefix() {
        assert_eq!(
            find("io::symlink").map(|e| e.code),
            Some("topogen::io::symlink")
        );
        assert_eq!(
            find("topogen::template::render").map(|e| e.code),
            Some("topogen::template::render")
        );
        assert!(find("io::nothing").is_none());
    }
}
