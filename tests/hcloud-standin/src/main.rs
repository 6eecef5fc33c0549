//! `terraform-provider-hcloud`: the stand-in, served over Terraform's plugin protocol v6.
#![deny(unsafe_code)]

use hcloud_standin::provider::HcloudStandin;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match tf_provider::serve("hcloud", HcloudStandin::default()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("terraform-provider-hcloud (stand-in): {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
