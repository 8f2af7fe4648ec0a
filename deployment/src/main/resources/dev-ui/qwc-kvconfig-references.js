import { LitElement, html } from 'lit';
import { JsonRpc } from 'jsonrpc';
import { kvStyles } from './qwc-kvconfig-styles.js';
import '@vaadin/progress-bar';

/**
 * The app's @kv: references as resolved at startup: property, reference, secret, vault, status and detail.
 * The JSON-RPC answer holds no value, so neither can this page.
 */
export class QwcKvconfigReferences extends LitElement {

    jsonRpc = new JsonRpc(this);

    static styles = kvStyles;

    static properties = {
        _references: { state: true },
        _error: { state: true }
    };

    connectedCallback() {
        super.connectedCallback();
        this._load();
    }

    _load() {
        this.jsonRpc.getReferences()
            .then(response => { this._references = response.result; this._error = null; })
            .catch(error => { this._error = 'could not load the references: ' + (error?.error?.message ?? error); });
    }

    render() {
        if (this._error) {
            return html`<div id="message" class="message error">${this._error}</div>`;
        }
        if (!this._references) {
            return html`<vaadin-progress-bar indeterminate></vaadin-progress-bar>`;
        }
        if (this._references.length === 0) {
            return html`<div id="message" class="message">No <code>@kv:</code> references in this app's configuration.</div>`;
        }
        return html`
            <div class="message">${this._references.length} <code>@kv:</code> reference(s) seen at startup. Values are never shown.</div>
            <table id="references">
                <thead><tr><th>Property</th><th>Reference</th><th>Secret</th><th>Vault</th><th>Status</th><th>Detail</th></tr></thead>
                <tbody>
                ${this._references.map(r => html`
                    <tr data-property="${r.property}">
                        <td><code>${r.property}</code></td>
                        <td><code>${r.reference}</code></td>
                        <td>${r.secretName}</td>
                        <td>${r.vaultUrl ?? ''}</td>
                        <td><span class="status ${r.status}">${r.status}</span></td>
                        <td>${r.detail ?? ''}</td>
                    </tr>`)}
                </tbody>
            </table>`;
    }
}
customElements.define('qwc-kvconfig-references', QwcKvconfigReferences);
