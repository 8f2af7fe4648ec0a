import { css } from 'lit';

/** Shared look of the Key Vault config pages: plain tables in Dev UI's Lumo colours. */
export const kvStyles = css`
    :host {
        display: flex;
        flex-direction: column;
        gap: 12px;
        padding: 10px 20px;
    }
    table {
        border-collapse: collapse;
        width: 100%;
    }
    th, td {
        text-align: left;
        padding: 6px 10px;
        border-bottom: 1px solid var(--lumo-contrast-10pct);
        vertical-align: top;
    }
    th {
        color: var(--lumo-secondary-text-color);
        font-weight: normal;
        font-size: var(--lumo-font-size-s);
    }
    code {
        font-family: var(--lumo-font-family-monospace, monospace);
    }
    .status {
        font-size: var(--lumo-font-size-s);
        padding: 2px 6px;
        border-radius: 4px;
        background: var(--lumo-contrast-10pct);
    }
    .ok, .RESOLVED {
        color: var(--lumo-success-text-color);
        background: var(--lumo-success-color-10pct);
    }
    .OPTIONAL_MISSING, .LEFT_ALONE {
        color: var(--lumo-secondary-text-color);
    }
    .failed {
        color: var(--lumo-error-text-color);
        background: var(--lumo-error-color-10pct);
    }
    .message {
        color: var(--lumo-secondary-text-color);
    }
    .message.error {
        color: var(--lumo-error-text-color);
    }
    .facts {
        display: grid;
        grid-template-columns: max-content auto;
        gap: 4px 16px;
    }
    .facts span:nth-child(odd) {
        color: var(--lumo-secondary-text-color);
    }
    h3 {
        margin: 8px 0 0 0;
        font-size: var(--lumo-font-size-l);
        font-weight: normal;
    }
    .form {
        display: flex;
        gap: 10px;
        align-items: baseline;
        flex-wrap: wrap;
    }
`;
