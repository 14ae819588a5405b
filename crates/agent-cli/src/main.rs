//! `b24-agent`: the console orchestrator of the Bitrix24 AI manager.

fn main() -> std::process::ExitCode {
    agent_cli::app::main()
}
