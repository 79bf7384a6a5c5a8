//! The site's HTML pages, one module per kind of page around a shared `layout`. Pages are `maud` templates, so
//! every value spliced into one (from a report, a source or a visitor) is escaped by construction; markup passes
//! through only as [`Markup`] that a template built.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;
use verity_engine::{EngineError, ReportFilter, SupporterTotals};
use verity_model::{Report, ReportSummary, VersionSummary};
use verity_render::FollowUps;

use crate::{
    ApiError, AppState, Campaign, JobStarted, QUESTION_LIMIT, Work, report_path, start_job, summary_path, validated,
};

mod about;
mod checks;
mod layout;
mod listings;
mod report;
mod texts;

pub(crate) use about::*;
pub(crate) use checks::*;
pub(crate) use layout::*;
pub(crate) use listings::*;
pub(crate) use report::*;
pub(crate) use texts::*;
