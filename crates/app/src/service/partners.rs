//! Partners: admins create them (the API key is shown once and kept only as a hash) and read
//! each one's monthly usage: which stories it was served, how often, with which rights.

use dateline_domain::syndication::{Month, validate_partner};
use dateline_domain::{ArticleId, Partner, PartnerId, Rights, SectionId, ValidationError};
use rand::RngCore as _;

use crate::app::App;
use crate::auth::Principal;
use crate::error::AppError;
use crate::service::audience::{API_KEY_PREFIX, flush_usage, key_hash};
use crate::service::parse_slug;

/// A partner as an admin asks for it.
#[derive(Debug, Clone)]
pub struct NewPartner {
    pub name: String,
    /// Section slugs.
    pub sections: Vec<String>,
    pub rights: String,
    pub rate_limit_per_minute: i64,
}

/// A created partner and its key, which is never shown again.
#[derive(Debug, Clone)]
pub struct CreatedPartner {
    pub partner: Partner,
    pub api_key: String,
    pub section_slugs: Vec<String>,
}

/// A fresh key: the prefix and 32 random bytes in hex.
fn generate_key() -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{API_KEY_PREFIX}{}", hex::encode(bytes))
}

pub async fn create_partner(
    state: &App,
    principal: &Principal,
    input: NewPartner,
) -> Result<CreatedPartner, AppError> {
    principal.require_admin("manage partners")?;
    let rate =
        validate_partner(&input.name, input.rate_limit_per_minute).map_err(AppError::Invalid)?;
    let rights = Rights::parse(&input.rights).map_err(AppError::Invalid)?;
    if input.sections.is_empty() {
        return Err(AppError::Invalid(ValidationError::new(
            "sections",
            "name at least one section slug",
        )));
    }
    let mut sections: Vec<SectionId> = Vec::new();
    for slug in &input.sections {
        let parsed = parse_slug("sections", slug).map_err(AppError::Invalid)?;
        let section = state
            .db()
            .sections()
            .find_by_slug(&parsed)
            .await?
            .ok_or_else(|| {
                AppError::Invalid(ValidationError::new(
                    "sections",
                    format!("no section {slug:?}"),
                ))
            })?;
        if !sections.contains(&section.id) {
            sections.push(section.id);
        }
    }
    let api_key = generate_key();
    let partner = Partner {
        id: PartnerId::generate(),
        name: input.name.trim().to_owned(),
        sections,
        rights,
        rate_limit_per_minute: rate,
        key_prefix: api_key.chars().take(12).collect(),
        created_at: state.now(),
    };
    state
        .db()
        .partners()
        .insert(&partner, &key_hash(&api_key))
        .await?;
    tracing::info!(partner.id = %partner.id, "partner created");
    Ok(CreatedPartner {
        partner,
        api_key,
        section_slugs: input.sections,
    })
}

/// One story's line in a usage report.
#[derive(Debug, Clone)]
pub struct UsageLine {
    pub article: ArticleId,
    pub headline: Option<String>,
    pub full_text: u64,
    pub summary: u64,
}

#[derive(Debug, Clone)]
pub struct UsageReport {
    pub partner: Partner,
    pub month: Month,
    pub served: u64,
    pub stories: Vec<UsageLine>,
}

/// What a partner was served in a month (the current one unless named), per story.
pub async fn usage(
    state: &App,
    principal: &Principal,
    partner_id: &str,
    month: Option<&str>,
) -> Result<UsageReport, AppError> {
    principal.require_admin("read partner usage")?;
    let missing = || AppError::not_found(format!("no partner {partner_id:?}"));
    let id = PartnerId::parse(partner_id).map_err(|_| missing())?;
    let month = match month {
        Some(month) => Month::parse(month)?,
        None => Month::of(state.now()),
    };
    let partner = state.db().partners().find(id).await?.ok_or_else(missing)?;
    // What this process has served but not yet written belongs in the report too.
    flush_usage(state).await?;
    let rows = state.db().partners().usage(id, month).await?;
    let mut stories: Vec<UsageLine> = Vec::new();
    for row in rows {
        let line = match stories.iter_mut().find(|line| line.article == row.article) {
            Some(line) => line,
            None => {
                stories.push(UsageLine {
                    article: row.article,
                    headline: None,
                    full_text: 0,
                    summary: 0,
                });
                stories
                    .last_mut()
                    .ok_or_else(|| AppError::broken("usage line"))?
            }
        };
        match row.rights {
            Rights::Full => line.full_text += row.count,
            Rights::Summary => line.summary += row.count,
        }
    }
    let ids: Vec<ArticleId> = stories.iter().map(|line| line.article).collect();
    let headlines = state.db().partners().headlines_of(&ids).await?;
    for line in &mut stories {
        line.headline = headlines.get(&line.article).cloned();
    }
    Ok(UsageReport {
        served: stories
            .iter()
            .map(|line| line.full_text + line.summary)
            .sum(),
        partner,
        month,
        stories,
    })
}
