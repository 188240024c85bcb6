//! `dateline`: the binary. Parses the command line, wires the crates together, and runs one
//! command; nothing else lives here.

mod cli;
mod comment_settings;
mod demo;
mod photos;
mod seed;
mod serve;
mod users;

use clap::Parser as _;

use crate::cli::{Cli, Command, UserCommand};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    cli::init_tracing(&cli.log);
    match cli.command {
        Command::Serve(args) => serve::run(args).await,
        Command::Demo(args) => demo::run(args).await,
        Command::Migrate(args) => serve::migrate(&args).await,
        Command::Seed(args) => seed::run(args).await,
        Command::User(UserCommand::Add(args)) => users::add(args).await,
        Command::Schema => {
            print!("{}", dateline_api::graphql::sdl());
            Ok(())
        }
        Command::Openapi => {
            println!(
                "{}",
                dateline_api::router::openapi_document().to_pretty_json()?
            );
            Ok(())
        }
    }
}
