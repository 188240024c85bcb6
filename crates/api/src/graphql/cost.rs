//! What a query may cost, measured before it runs, and the refusal of one over the limits.
//!
//! async-graphql's own count adds one per field and ignores list sizes, so 1,000 aliases of
//! `search(first: 100)` or `articles(first: 100)` nested four deep looked cheap. This walk
//! multiplies every field by the size of the list it sits in — the `first` argument (given,
//! from a variable, or the field's default) of whichever field sizes it, or a fixed guess for
//! the short lists that take no `first` (authors, tags, renditions, blocks) — and counts every
//! alias as the separate field it is. It reports two numbers: `complexity` (fields, long text
//! weighted heavier) and `nodes` (objects the answer may hold). Either over its limit refuses
//! the query with `QUERY_TOO_COMPLEX` before any resolver runs; every answer reports both in
//! `extensions.cost`.

use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest, NextValidation,
};
use async_graphql::parser::types::{
    ExecutableDocument, Field, OperationType, Selection, SelectionSet, VariableDefinition,
};
use async_graphql::registry::{MetaTypeName, Registry};
use async_graphql::{
    Positioned, Response, ServerError, ServerResult, ValidationResult, Value, Variables, value,
};

use crate::graphql::error_codes::{TOO_COMPLEX, TOO_DEEP};

/// The largest page any list field takes (`first` is 1–100 everywhere); larger values are
/// refused by the resolvers, so they are counted as this.
const MAX_PAGE: u64 = 100;
/// The size assumed for a list that takes no `first`: a story's authors, tags, renditions and
/// blocks, a section's children. Generous for bylines, about right for blocks.
const UNSIZED_LIST: u64 = 10;
/// How much more than a plain field a field of long text costs (a story's whole body).
const HEAVY_WEIGHT: u64 = 25;
/// Fields that carry a whole story's text or a document built from it.
const HEAVY_FIELDS: [&str; 4] = ["bodyHtml", "bodyText", "jsonLd", "ninjs"];
/// The root fields of introspection. Their answers come from the schema in memory and are
/// bounded by its size however the query nests, so they are priced by that size and held to
/// their own depth limit: graphql-js's standard introspection query (GraphiQL, Apollo and
/// GraphQL Code Generator send it) nests 15 deep through `ofType`, past what a data query needs.
const INTROSPECTION_ROOTS: [&str; 2] = ["__schema", "__type"];
/// The deepest an introspection subtree may nest: room for the standard query and a little
/// more, never an unbounded `ofType` chain.
pub(crate) const MAX_INTROSPECTION_DEPTH: usize = 20;
/// Deeper than any query the depth limit lets through; a walk this deep is counted as
/// over every limit (it can only be a fragment cycle that validation is about to refuse).
const MAX_WALK: usize = 64;

/// What one query may cost, as this walk counts it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Cost {
    /// Fields the answer may hold, each counted as often as the lists around it repeat it.
    pub(crate) complexity: u64,
    /// Objects the answer may hold.
    pub(crate) nodes: u64,
    /// The deepest nesting of data fields (fragments add none, introspection is apart).
    pub(crate) depth: usize,
    /// The deepest nesting inside `__schema` or `__type`.
    pub(crate) introspection_depth: usize,
}

impl Cost {
    const UNBOUNDED: Cost = Cost {
        complexity: u64::MAX,
        nodes: u64::MAX,
        depth: usize::MAX,
        introspection_depth: usize::MAX,
    };

    fn add(self, other: Cost) -> Cost {
        Cost {
            complexity: self.complexity.saturating_add(other.complexity),
            nodes: self.nodes.saturating_add(other.nodes),
            depth: self.depth.max(other.depth),
            introspection_depth: self.introspection_depth.max(other.introspection_depth),
        }
    }

    fn times(self, factor: u64) -> Cost {
        Cost {
            complexity: self.complexity.saturating_mul(factor),
            nodes: self.nodes.saturating_mul(factor),
            ..self
        }
    }

    /// This cost one level further down: a field around what was measured below it.
    fn nested(self) -> Cost {
        Cost {
            depth: self.depth.saturating_add(1),
            ..self
        }
    }

    /// Whether a query costing this nests deeper than `limits` allow.
    pub(crate) fn too_deep(self, limits: &Limits) -> bool {
        self.depth > limits.max_depth || self.introspection_depth > MAX_INTROSPECTION_DEPTH
    }
}

/// The limits a query is held to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) max_depth: usize,
    pub(crate) max_complexity: u64,
    pub(crate) max_nodes: u64,
}

/// Measures a parsed document: the dearest of its operations (only one runs, but which is
/// known later).
pub(crate) fn measure(
    registry: &Registry,
    document: &ExecutableDocument,
    variables: &Variables,
) -> Cost {
    document
        .operations
        .iter()
        .map(|(_, operation)| {
            let root = match operation.node.ty {
                OperationType::Query => Some(registry.query_type.as_str()),
                OperationType::Mutation => registry.mutation_type.as_deref(),
                OperationType::Subscription => registry.subscription_type.as_deref(),
            };
            let walk = Walk {
                registry,
                document,
                variables,
                defaults: &operation.node.variable_definitions,
            };
            root.map_or(Cost::default(), |root| {
                walk.selection_set(&operation.node.selection_set.node, root, None, 0)
            })
        })
        .fold(Cost::default(), |dearest, cost| Cost {
            complexity: dearest.complexity.max(cost.complexity),
            nodes: dearest.nodes.max(cost.nodes),
            depth: dearest.depth.max(cost.depth),
            introspection_depth: dearest.introspection_depth.max(cost.introspection_depth),
        })
}

struct Walk<'a> {
    registry: &'a Registry,
    document: &'a ExecutableDocument,
    variables: &'a Variables,
    defaults: &'a [Positioned<VariableDefinition>],
}

impl Walk<'_> {
    /// `sized` is the page size a connection field (`articles(first: 50)`) hands to the list
    /// inside it (`nodes`, `edges`).
    fn selection_set(
        &self,
        set: &SelectionSet,
        parent: &str,
        sized: Option<u64>,
        depth: usize,
    ) -> Cost {
        if depth > MAX_WALK {
            return Cost::UNBOUNDED;
        }
        set.items.iter().fold(Cost::default(), |total, item| {
            let cost = match &item.node {
                Selection::Field(field) => self.field(&field.node, parent, sized, depth),
                Selection::FragmentSpread(spread) => self
                    .document
                    .fragments
                    .get(&spread.node.fragment_name.node)
                    .map_or(Cost::default(), |fragment| {
                        let on = fragment.node.type_condition.node.on.node.as_str();
                        self.selection_set(&fragment.node.selection_set.node, on, sized, depth + 1)
                    }),
                // Fragments on different members of a union are all counted: an upper bound.
                Selection::InlineFragment(inline) => {
                    let on = inline
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(parent, |condition| condition.node.on.node.as_str());
                    self.selection_set(&inline.node.selection_set.node, on, sized, depth + 1)
                }
            };
            total.add(cost)
        })
    }

    fn field(&self, field: &Field, parent: &str, sized: Option<u64>, depth: usize) -> Cost {
        let name = field.name.node.as_str();
        let meta = self
            .registry
            .types
            .get(parent)
            .and_then(|parent| parent.field_by_name(name));
        // `__typename`, or a field validation will refuse: one field, nothing below.
        let Some(meta) = meta else {
            return Cost {
                complexity: 1,
                depth: 1,
                ..Cost::default()
            };
        };
        if INTROSPECTION_ROOTS.contains(&name) {
            let type_name = MetaTypeName::concrete_typename(&meta.ty);
            let below = self.selection_set(&field.selection_set.node, type_name, None, depth + 1);
            let size = introspection_size(self.registry, name);
            return Cost {
                complexity: size,
                nodes: size,
                depth: 0,
                introspection_depth: below.depth.saturating_add(1),
            };
        }
        let is_list = MetaTypeName::create(&meta.ty).is_list();
        let page = meta
            .args
            .get("first")
            .map(|arg| self.page_size(field, arg.default_value.as_deref()));
        // A list is repeated by its own `first`, else by the page its connection was given,
        // else by the guess; a connection object itself appears once and hands its page down.
        let (repeat, hand_down) = match (is_list, page) {
            (true, Some(page)) => (page, None),
            (true, None) => (sized.unwrap_or(UNSIZED_LIST), None),
            (false, page) => (1, page),
        };
        let type_name = MetaTypeName::concrete_typename(&meta.ty);
        let is_object = self
            .registry
            .types
            .get(type_name)
            .is_some_and(async_graphql::registry::MetaType::is_composite);
        let weight = if HEAVY_FIELDS.contains(&name) {
            HEAVY_WEIGHT
        } else {
            1
        };
        let own = Cost {
            complexity: weight,
            nodes: u64::from(is_object),
            ..Cost::default()
        };
        let below = self.selection_set(&field.selection_set.node, type_name, hand_down, depth + 1);
        own.add(below.nested()).times(repeat)
    }

    /// A variable's value: as sent, or its default in the operation.
    fn variable(&self, name: &async_graphql::Name) -> Option<Value> {
        self.variables.get(name).cloned().or_else(|| {
            self.defaults
                .iter()
                .find(|definition| definition.node.name.node == *name)
                .and_then(|definition| definition.node.default_value())
                .cloned()
        })
    }

    /// The `first` a field was given: a literal, a variable (or its default), or the field's
    /// own default; kept within what the resolvers take.
    fn page_size(&self, field: &Field, default: Option<&str>) -> u64 {
        let given = field
            .get_argument("first")
            .and_then(|value| {
                value
                    .node
                    .clone()
                    .into_const_with(|name| self.variable(&name).ok_or(()))
                    .ok()
            })
            .and_then(|value| match value {
                Value::Number(number) => number.as_i64(),
                _ => None,
            });
        let size = given
            .or_else(|| default.and_then(|text| text.parse::<i64>().ok()))
            .unwrap_or(i64::try_from(UNSIZED_LIST).unwrap_or(10));
        u64::try_from(size).unwrap_or(0).min(MAX_PAGE)
    }
}

/// What an introspection root may answer, counted from the schema: every type, field,
/// argument and enum value for `__schema`; the largest single type for `__type`.
fn introspection_size(registry: &Registry, root: &str) -> u64 {
    let size_of = |meta: &async_graphql::registry::MetaType| {
        use async_graphql::registry::MetaType;
        let parts = match meta {
            MetaType::Object { fields, .. } | MetaType::Interface { fields, .. } => fields
                .values()
                .map(|field| 1 + field.args.len())
                .sum::<usize>(),
            MetaType::Enum { enum_values, .. } => enum_values.len(),
            MetaType::InputObject { input_fields, .. } => input_fields.len(),
            MetaType::Union { possible_types, .. } => possible_types.len(),
            MetaType::Scalar { .. } => 0,
        };
        u64::try_from(parts + 1).unwrap_or(u64::MAX)
    };
    let sizes = registry.types.values().map(size_of);
    if root == "__schema" {
        sizes.sum()
    } else {
        sizes.max().unwrap_or(1)
    }
}

/// Installs the measurement, the refusal and the report on a schema.
pub(crate) struct QueryCost {
    pub(crate) limits: Limits,
}

impl ExtensionFactory for QueryCost {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(CostOfOne {
            limits: self.limits,
            measured: Mutex::default(),
        })
    }
}

/// One request's measurement (an extension instance lives for one request).
struct CostOfOne {
    limits: Limits,
    measured: Mutex<Measured>,
}

#[derive(Default, Clone, Copy)]
struct Measured {
    cost: Option<Cost>,
    depth: Option<usize>,
}

impl CostOfOne {
    fn report(&self, cost: Cost, depth: Option<usize>) -> Value {
        let mut report = value!({
            "complexity": cost.complexity,
            "nodes": cost.nodes,
            "maxComplexity": self.limits.max_complexity,
            "maxNodes": self.limits.max_nodes,
            "maxDepth": self.limits.max_depth,
        });
        if let (Value::Object(fields), Some(depth)) = (&mut report, depth) {
            fields.insert(async_graphql::Name::new("depth"), Value::from(depth));
        }
        report
    }

    fn measured(&self) -> Measured {
        *self.measured.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait::async_trait]
impl Extension for CostOfOne {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let response = next.run(ctx).await;
        match self.measured() {
            Measured {
                cost: Some(cost),
                depth,
            } => response.extension("cost", self.report(cost, depth)),
            Measured { cost: None, .. } => response,
        }
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let cost = measure(&ctx.schema_env.registry, &document, variables);
        self.measured
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .cost = Some(cost);
        Ok(document)
    }

    /// Refuses after validation, so a query the schema refuses (unknown fields, a fragment
    /// cycle) says so rather than being called deep or expensive.
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        let cost = {
            let mut measured = self.measured.lock().unwrap_or_else(PoisonError::into_inner);
            let cost = measured.cost.unwrap_or_default();
            measured.depth = Some(cost.depth);
            cost
        };
        if cost.too_deep(&self.limits) {
            let mut error = ServerError::new(
                format!(
                    "Query is nested too deep: {} levels of fields (limit {}), {} inside \
                     introspection (limit {MAX_INTROSPECTION_DEPTH}).",
                    cost.depth, self.limits.max_depth, cost.introspection_depth
                ),
                None,
            );
            let extensions = error.extensions.get_or_insert_with(Default::default);
            extensions.set("code", TOO_DEEP);
            return Err(vec![error]);
        }
        if cost.complexity > self.limits.max_complexity || cost.nodes > self.limits.max_nodes {
            let mut error = ServerError::new(
                format!(
                    "Query is too complex: it may cost {} (limit {}) and return {} objects \
                     (limit {}); ask for smaller pages or fewer aliases.",
                    cost.complexity, self.limits.max_complexity, cost.nodes, self.limits.max_nodes
                ),
                None,
            );
            let extensions = error.extensions.get_or_insert_with(Default::default);
            extensions.set("code", TOO_COMPLEX);
            extensions.set("cost", self.report(cost, Some(cost.depth)));
            return Err(vec![error]);
        }
        spend_allowance(ctx, cost).await?;
        Ok(result)
    }
}

/// How much cost one unit of the rate-limit allowance buys. The layer in front has spent one
/// unit for the request already; a query spends the rest of `ceil(cost / COST_PER_UNIT)` here,
/// so a front page (cost ~500) spends 2 units and the dearest query allowed 80.
pub(crate) const COST_PER_UNIT: u64 = 250;

/// The code a query refused for the allowance it would spend carries.
pub(crate) const TOO_MANY_REQUESTS: &str = "TOO_MANY_REQUESTS";

/// Spends what a query costs beyond its first unit from the sender's allowance, before it
/// runs. Requests without a spender (the SDL, tests of the schema alone) spend nothing.
async fn spend_allowance(ctx: &ExtensionContext<'_>, cost: Cost) -> Result<(), Vec<ServerError>> {
    let (Some(limits), Some(spender)) = (
        ctx.data_opt::<Arc<crate::allowance::RateLimits>>(),
        ctx.data_opt::<crate::allowance::Spender>(),
    ) else {
        return Ok(());
    };
    let extra = cost.complexity.div_ceil(COST_PER_UNIT).saturating_sub(1);
    if extra == 0 {
        return Ok(());
    }
    let units = u32::try_from(extra).unwrap_or(u32::MAX);
    let allowance = match ctx.data_opt::<dateline_app::App>() {
        Some(app) => crate::allowance::spend_everywhere(app, limits, *spender, units).await,
        None => limits.spend(*spender, units),
    };
    if allowance.allowed {
        return Ok(());
    }
    let mut error = ServerError::new(
        format!(
            "this query costs {} units of your allowance of {} a minute; try again in {} seconds",
            units + 1,
            allowance.limit,
            allowance.retry_after
        ),
        None,
    );
    let extensions = error.extensions.get_or_insert_with(Default::default);
    extensions.set("code", TOO_MANY_REQUESTS);
    extensions.set("retryAfter", allowance.retry_after);
    Err(vec![error])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stops every query before its resolvers run: these tests have no database.
    struct DryRun;

    impl ExtensionFactory for DryRun {
        fn create(&self) -> Arc<dyn Extension> {
            Arc::new(DryRun)
        }
    }

    #[async_trait::async_trait]
    impl Extension for DryRun {
        async fn execute(
            &self,
            _ctx: &ExtensionContext<'_>,
            _operation_name: Option<&str>,
            _next: async_graphql::extensions::NextExecute<'_>,
        ) -> Response {
            Response::default()
        }
    }

    async fn run(request: impl Into<async_graphql::Request>) -> Response {
        crate::graphql::builder()
            .extension(DryRun)
            .finish()
            .execute(request)
            .await
    }

    /// The cost the schema reports for a query: refused ones carry it in the error, the rest
    /// in `extensions.cost`.
    async fn cost_of(query: &str) -> Cost {
        let response = run(query).await;
        let report = response
            .errors
            .iter()
            .find_map(|error| error.extensions.as_ref()?.get("cost").cloned())
            .or_else(|| response.extensions.get("cost").cloned())
            .unwrap();
        let json = report.into_json().unwrap();
        Cost {
            complexity: json["complexity"].as_u64().unwrap(),
            nodes: json["nodes"].as_u64().unwrap(),
            ..Cost::default()
        }
    }

    /// The code a query is refused with, if it is.
    async fn refusal(query: &str) -> Option<String> {
        let response = run(query).await;
        let error = response.errors.first()?;
        let code = error.extensions.as_ref()?.get("code")?.clone();
        Some(code.into_json().unwrap().as_str().unwrap().to_owned())
    }

    fn nested(field: &str, levels: usize, leaf: &str) -> String {
        (0..levels).fold(leaf.to_owned(), |inner, _| format!("{field} {{ {inner} }}"))
    }

    #[tokio::test]
    async fn data_fields_nest_at_most_twelve_deep() {
        // sections(1) + children levels + id
        let fits = format!("{{ sections {{ {} }} }}", nested("parent", 10, "id"));
        assert_eq!(refusal(&fits).await, None);
        let deep = format!("{{ sections {{ {} }} }}", nested("parent", 11, "id"));
        assert_eq!(refusal(&deep).await.as_deref(), Some(TOO_DEEP));
    }

    #[tokio::test]
    async fn fragments_add_no_depth_of_their_own() {
        let query = format!(
            "{{ sections {{ ...a }} }} fragment a on Section {{ ...b }} fragment b on Section {{ {} }}",
            nested("parent", 10, "id")
        );
        assert_eq!(refusal(&query).await, None);
    }

    #[tokio::test]
    async fn introspection_nests_deeper_than_data_but_not_without_end() {
        let type_ref = nested("ofType", 9, "kind name");
        let standard = format!(
            "{{ __schema {{ types {{ fields {{ args {{ type {{ {type_ref} }} }} }} }} }} }}"
        );
        assert_eq!(refusal(&standard).await, None);
        let endless = format!(
            "{{ __type(name: \"Article\") {{ {} }} }}",
            nested("ofType", MAX_INTROSPECTION_DEPTH, "name")
        );
        assert_eq!(refusal(&endless).await.as_deref(), Some(TOO_DEEP));
    }

    #[tokio::test]
    async fn introspection_is_priced_by_the_schema_so_aliases_of_it_add_up() {
        let once = cost_of("{ __schema { types { name } } }").await;
        assert!(once.complexity > 100, "{once:?}");
        assert!(once.complexity < crate::graphql::MAX_COMPLEXITY, "{once:?}");
        let aliases: String = (0..100)
            .map(|n| format!("s{n}: __schema {{ types {{ name }} }} "))
            .collect();
        assert_eq!(
            refusal(&format!("{{ {aliases} }}")).await.as_deref(),
            Some(TOO_COMPLEX)
        );
    }

    #[tokio::test]
    async fn a_list_costs_its_page_size_times_what_each_item_asks_for() {
        let five = cost_of("{ articles(first: 5) { nodes { headline } } }").await;
        let fifty = cost_of("{ articles(first: 50) { nodes { headline } } }").await;
        assert_eq!(five.nodes, 1 + 5);
        assert_eq!(fifty.nodes, 1 + 50);
        assert_eq!(
            five.complexity,
            1 + 5 * 2,
            "the connection, then each story and its headline"
        );
        assert_eq!(fifty.complexity, 1 + 50 * 2);
    }

    #[tokio::test]
    async fn a_page_size_from_a_variable_or_a_default_counts_too() {
        let defaulted = cost_of("{ latest { nodes { headline } } }").await;
        assert_eq!(defaulted.nodes, 1 + 20);
        let response = run(async_graphql::Request::new(
            "query($n: Int!) { latest(first: $n) { nodes { headline } } }",
        )
        .variables(Variables::from_json(serde_json::json!({"n": 70}))))
        .await;
        let cost = response
            .extensions
            .get("cost")
            .cloned()
            .unwrap()
            .into_json()
            .unwrap();
        assert_eq!(cost["nodes"], 1 + 70);
    }

    #[tokio::test]
    async fn aliases_count_as_the_separate_fields_they_are() {
        let one = cost_of("{ search(query: \"a\", first: 100) { nodes { bodyHtml } } }").await;
        let aliases: String = (0..10)
            .map(|n| format!("a{n}: search(query: \"a\", first: 100) {{ nodes {{ bodyHtml }} }} "))
            .collect();
        let ten = cost_of(&format!("{{ {aliases} }}")).await;
        assert_eq!(ten.complexity, 10 * one.complexity);
    }

    #[tokio::test]
    async fn nested_pages_multiply() {
        let nested = cost_of(
            "{ articles(first: 100) { nodes { section { articles(first: 100) { nodes { headline } } } } } }",
        )
        .await;
        assert!(nested.nodes > 10_000, "{nested:?}");
    }
}
