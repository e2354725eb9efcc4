use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    mcfp::telemetry::init();
    match mcfp::cli::run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mcfp: {e:#}");
            ExitCode::FAILURE
        }
    }
}
