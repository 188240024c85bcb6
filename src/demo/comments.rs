//! Sample reader comments for the demo: a few original Korean comments, a reply, an editor's pick
//! and some 공감, on the newest public stories. Their passwords are random and never shown.

use dateline_domain::comment::{CommentText, Nickname, ReactionKind};
use dateline_domain::visibility::is_public;
use dateline_domain::{Comment, CommentId, CommentState, Commenter, Timestamp};
use dateline_storage::{Database, NewArticle, NewComment};
use secrecy::SecretString;

/// (nickname, text, agrees) per story, newest story first; the first comment gets a reply.
const SAMPLES: &[&[(&str, &str, u64)]] = &[
    &[
        (
            "광안리주민",
            "출근길에 통제 구간 확인하고 갑니다. 우회로 안내가 자세해서 좋네요.",
            5,
        ),
        (
            "해운대갈매기",
            "작년보다 참가자가 늘었다니 반갑습니다. 다들 안전하게 완주하세요!",
            2,
        ),
        (
            "동래구민",
            "버스 노선 변경도 기사에 함께 실어 주시면 좋겠습니다.",
            1,
        ),
    ],
    &[
        (
            "연제구직장인",
            "어젯밤 집 앞 도로가 잠겨서 한참 돌아왔습니다. 배수 공사가 시급해 보여요.",
            3,
        ),
        ("부산토박이", "피해 입으신 분들 빨리 복구되길 바랍니다.", 1),
    ],
];

const REPLY: (&str, &str) = (
    "온천천산책러",
    "저도 같은 생각입니다. 정류장 위치가 바뀌는지 궁금하네요.",
);

fn reader(nickname: &str) -> anyhow::Result<Commenter> {
    Ok(Commenter::Reader {
        nickname: Nickname::parse(nickname)?,
    })
}

/// Adds the samples to the newest public stories; answers how many comments were written.
pub(crate) async fn add_samples(
    db: &Database,
    stories: &[NewArticle],
    now: Timestamp,
) -> anyhow::Result<usize> {
    let mut public: Vec<&NewArticle> = stories
        .iter()
        .filter(|story| is_public(story.article.status, story.article.published_at, now))
        .collect();
    public.sort_by_key(|story| std::cmp::Reverse(story.article.published_at));
    let password_hash =
        dateline_app::auth::hash_password(&SecretString::from(rand::random::<u128>().to_string()))?;
    let mut written = 0;
    for (story, samples) in public.iter().zip(SAMPLES) {
        let published = story.article.published_at.unwrap_or(now);
        for (n, (nickname, text, agrees)) in samples.iter().enumerate() {
            let minutes = i64::try_from(n).unwrap_or(0) * 7 + 5;
            let comment = Comment {
                id: CommentId::generate(),
                article_id: story.article.id,
                parent_id: None,
                author: reader(nickname)?,
                text: CommentText::parse(text)?,
                state: CommentState::Visible,
                hold_reason: None,
                picked: n == 0,
                agrees: 0,
                disagrees: 0,
                reports: 0,
                replies: 0,
                created_at: published.plus(chrono::Duration::minutes(minutes)).min(now),
                edited_at: None,
            };
            insert(db, &comment, &password_hash, &format!("demo-{written}")).await?;
            written += 1;
            for reader_n in 0..*agrees {
                db.comments()
                    .react(
                        comment.id,
                        &format!("demo-reader-{reader_n}"),
                        ReactionKind::Agree,
                        now,
                    )
                    .await?;
            }
            if n == 0 {
                let reply = Comment {
                    id: CommentId::generate(),
                    parent_id: Some(comment.id),
                    author: reader(REPLY.0)?,
                    text: CommentText::parse(REPLY.1)?,
                    picked: false,
                    created_at: comment
                        .created_at
                        .plus(chrono::Duration::minutes(3))
                        .min(now),
                    ..comment.clone()
                };
                insert(db, &reply, &password_hash, &format!("demo-{written}")).await?;
                written += 1;
            }
        }
    }
    Ok(written)
}

async fn insert(
    db: &Database,
    comment: &Comment,
    password_hash: &str,
    reader_key: &str,
) -> anyhow::Result<()> {
    db.comments()
        .insert(&NewComment {
            comment: comment.clone(),
            password_hash: Some(password_hash.to_owned()),
            reader_key: reader_key.to_owned(),
            // Sample texts differ from each other; a unique value keeps them out of readers'
            // duplicate checks.
            fingerprint: comment.id.to_string(),
        })
        .await?;
    Ok(())
}
