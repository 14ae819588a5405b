//! A local Bitrix24 portal that speaks the cloud's wire format.
