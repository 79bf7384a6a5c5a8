//! The site's HTML pages, one module per kind of page around a shared `layout`. Every value from a report, a
//! source or a visitor goes through [`escape`].

use std::fmt::Write;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use verity_engine::{EngineError, ReportFilter, SupporterTotals};
use verity_model::{Report, ReportSummary, VersionSummary};
use verity_render::{FollowUps, escape};

use crate::{
    ApiError, AppState, Campaign, JobStarted, QUESTION_LIMIT, Work, report_path, start_job, summary_path, validated,
};

mod about;
mod checks;
mod layout;
mod listings;
mod report;

pub(crate) use about::*;
pub(crate) use checks::*;
pub(crate) use layout::*;
pub(crate) use listings::*;
pub(crate) use report::*;
