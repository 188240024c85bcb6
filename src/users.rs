//! `dateline user add`: creates a newsroom account from the command line, reading the password
//! from standard input so it never appears in the shell's history or the process list.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use anyhow::Context as _;
use dateline_app::service::accounts::{NewAccount, register};
use dateline_domain::Timestamp;
use secrecy::SecretString;

use crate::cli::UserAddArgs;
use crate::serve::connect;

pub(crate) async fn add(args: UserAddArgs) -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password for {} (at least 12 characters): ", args.email);
        std::io::stderr().flush()?;
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = SecretString::from(line.trim_end_matches(['\n', '\r']).to_owned());
    drop(line);

    let db = connect(&args.database.database_url).await?;
    db.migrate().await.context("migrating the database")?;
    let now = Timestamp::from_datetime(chrono::Utc::now());
    let user = register(
        &db,
        NewAccount {
            email: args.email,
            display_name: args.name,
            role: args.role,
            password,
            author: args.author,
        },
        now,
        None,
    )
    .await
    .map_err(|err| anyhow::anyhow!("{}", err.detail()))?;
    println!(
        "Created {} ({}, {}) with id {}.",
        user.email, user.display_name, user.role, user.id
    );
    db.close().await;
    Ok(())
}
