import { LitElement, html } from 'lit';
import { JsonRpc } from 'jsonrpc';
import { kvStyles } from './qwc-kvconfig-styles.js';
import '@vaadin/progress-bar';

/** The dev vault's firewall rules (from its emulated Resource Manager) and the last allowlisting run. */
export class QwcKvconfigFirewall extends LitElement {

    jsonRpc = new JsonRpc(this);

    static styles = kvStyles;

    static properties = {
        _firewall: { state: true },
        _allowlisting: { state: true }
    };

    connectedCallback() {
        super.connectedCallback();
        this.jsonRpc.getAllowlisting().then(response => { this._allowlisting = response.result; });
        this.jsonRpc.getFirewall().then(response => { this._firewall = response.result; });
    }

    render() {
        return html`
            <h3>Last allowlisting run</h3>
            ${this._renderAllowlisting()}
            <h3>Firewall rules</h3>
            ${this._renderFirewall()}`;
    }

    _renderAllowlisting() {
        const a = this._allowlisting;
        if (!a) {
            return html`<vaadin-progress-bar indeterminate></vaadin-progress-bar>`;
        }
        if (!a.ran) {
            return html`<div id="allowlisting" class="message">${a.message}</div>`;
        }
        return html`
            <div id="allowlisting" class="facts">
                <span>Result</span><span class="status ${a.ok ? 'ok' : 'failed'}">${a.ok ? 'ok' : 'failed'}</span>
                <span>Vault</span><span>${a.vault ?? ''}</span>
                <span>Address</span><span>${a.ip ?? ''}</span>
                <span>Rule</span><span>${a.added ? 'added by this run' : a.alreadyPresent ? 'already present' : 'none'}</span>
                <span>At</span><span>${a.at ?? ''}</span>
                <span>Runs</span><span>${a.when === 'on-refusal' ? 'when the vault refuses a request' : 'before resolving, at startup'}</span>
                <span>Message</span><span>${a.message ?? ''}</span>
                ${a.error ? html`<span>Error</span><span class="message error">${a.error}</span>` : ''}
            </div>`;
    }

    _renderFirewall() {
        const f = this._firewall;
        if (!f) {
            return html`<vaadin-progress-bar indeterminate></vaadin-progress-bar>`;
        }
        if (!f.ok) {
            return html`<div id="firewall" class="message">${f.message}</div>`;
        }
        return html`
            <div class="facts">
                <span>Vault</span><span>${f.vaultName} (resource group ${f.resourceGroup})</span>
                <span>Default action</span><span>${f.defaultAction ?? ''}</span>
                <span>Bypass</span><span>${f.bypass ?? ''}</span>
                <span>Public network access</span><span>${f.publicNetworkAccess ?? ''}</span>
            </div>
            <table id="firewall">
                <thead><tr><th>IP rule</th></tr></thead>
                <tbody>
                ${f.ipRules.length === 0 ? html`<tr><td class="message">no IP rules</td></tr>` : ''}
                ${f.ipRules.map(rule => html`<tr><td><code>${rule}</code></td></tr>`)}
                ${f.virtualNetworkRules.map(rule => html`<tr><td>virtual network <code>${rule}</code></td></tr>`)}
                </tbody>
            </table>`;
    }
}
customElements.define('qwc-kvconfig-firewall', QwcKvconfigFirewall);
