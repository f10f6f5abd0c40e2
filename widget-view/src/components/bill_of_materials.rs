use crate::format;
use leptos::{either::Either, prelude::*};
use widget_api::PartView;

/// The parts list: quantity, part and maker, kind, SKU.
#[component]
pub fn BillOfMaterials(items: Vec<PartView>) -> impl IntoView {
    if items.is_empty() {
        return Either::Left(view! { <p class="hint">"No parts listed."</p> });
    }
    let rows = items
        .into_iter()
        .map(|item| {
            view! {
                <tr data-testid="bom-item">
                    <td class="number">{format::given(item.quantity, |q| format::number(q, 2))}</td>
                    <td>
                        <span class="name">{item.name.unwrap_or_else(|| format::NOT_GIVEN.into())}</span>
                        {item.manufacturer.map(|m| view! { <span class="maker">{m}</span> })}
                    </td>
                    <td class="label">{format::given(item.kind, |kind| format::part_kind(&kind))}</td>
                    <td>{item.sku.unwrap_or_else(|| format::NOT_GIVEN.into())}</td>
                </tr>
            }
        })
        .collect_view();
    Either::Right(view! {
        <div class="table-scroll">
            <table class="bom" data-testid="bill-of-materials">
                <thead>
                    <tr><th scope="col" class="number">"Qty"</th><th scope="col">"Part"</th><th scope="col">"Type"</th><th scope="col">"SKU"</th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    })
}
